//! Actions of the HTTP rule sets (configuration manual 4.2: `http-request`,
//! `http-response`, `http-after-response`, and the `redirect` keyword), read as
//! HAProxy 2.6 reads them (`http_act.c`, `http_rules.c`, `vars.c`, `tcp_act.c`,
//! `stream.c`, `queue.c`) and executed sans-IO: an action changes the transaction it is
//! lent ([`Txn`]: heads, variables, map references) and returns a [`Verdict`] that the
//! orchestrator acts on (answer, close, apply an [`Effect`] and go on).
//!
//! Modules by concept: [`kw`] (which words name actions, HAProxy's lists and
//! suggestions), [`http`] (the action type, its parser and executor), [`tcp`] (the
//! `tcp-request` and `tcp-response` rule sets, which share most of their actions with
//! the HTTP ones), `headers`, `uri` and `normalize` (head rewrites), `vars`, `maps`,
//! `redirect`, `misc` (flow control and stream settings), `txn` (what execution
//! borrows and returns).

pub mod http;
pub mod kw;
pub mod normalize;
pub mod redirect;
pub mod tcp;

mod headers;
mod maps;
mod misc;
mod txn;
mod uri;
mod vars;

pub use headers::{DelHeader, EarlyHint, NameMatch, ReplaceHeader, SetHeader};
pub use http::HttpAct;
pub use maps::{MapAct, MapOp};
pub use misc::{AddrPart, CaptureSlot, LogLevel, Service, TimeoutKind, TimeoutValue};
pub use normalize::Normalizer;
pub use redirect::Redirect;
pub use txn::{htx_req_usage, htx_res_usage, Effect, Scratch, Txn, Verdict};
pub use uri::{ReplaceUri, SetStartLine, UriPart};
pub use vars::{cli_set_var, global_set_var, SetVar, VarValue};

use crate::expr::Expr;
use crate::fetch::place::{Ckp, Uses};
use crate::logfmt::{LogFormat, Mode};
use crate::pattern::FileSource;
use crate::vars::VarRef;

/// The rule set an action belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleSet {
    HttpRequest,
    HttpResponse,
    HttpAfterResponse,
}

impl RuleSet {
    /// The keyword as written (`http-request`...).
    pub fn keyword(self) -> &'static str {
        match self {
            RuleSet::HttpRequest => "http-request",
            RuleSet::HttpResponse => "http-response",
            RuleSet::HttpAfterResponse => "http-after-response",
        }
    }

    /// The rule set works on the response (`ACT_F_HTTP_RES`).
    pub fn is_response(self) -> bool {
        self != RuleSet::HttpRequest
    }
}

/// Why an action line was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrKind {
    /// The action's parser refused its arguments. HAProxy prints
    /// `parsing [F:L] : error detected in <proxy type> '<name>' while parsing
    /// '<rule set> <action word>' rule : <msg>.` (the action word as written, with its
    /// parentheses; the final period is the caller's).
    Invalid,
    /// The word names no action: the message is HAProxy's whole text
    /// (`'http-request' expects ..., but got 'x'. Did you mean 'y' maybe ?`), printed
    /// after `parsing [F:L]: ` (no space before the colon).
    Unknown,
    /// An experimental action without `expose-experimental-directives`: the message is
    /// printed after `parsing [F:L] : `.
    Experimental,
    /// HAProxy has the action but Rampart does not yet: Rampart's own message
    /// (`'http-request track-sc0' is not supported yet (it needs stick tables)`).
    NotYet,
}

/// A refused action line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActError {
    pub kind: ErrKind,
    pub msg: String,
}

impl ActError {
    pub(crate) fn invalid(msg: impl Into<String>) -> ActError {
        ActError {
            kind: ErrKind::Invalid,
            msg: msg.into(),
        }
    }
}

impl From<String> for ActError {
    fn from(msg: String) -> ActError {
        ActError::invalid(msg)
    }
}

impl From<&str> for ActError {
    fn from(msg: &str) -> ActError {
        ActError::invalid(msg)
    }
}

/// A warning raised while parsing an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// HAProxy ties it to the line: `parsing [F:L] : <msg>`; otherwise the message is
    /// printed alone (`unexpected character 'x' after the timer value ...`).
    pub located: bool,
    pub msg: String,
}

/// Loads an `errorfile` by name: its content, or HAProxy's message.
pub type ErrorFileLoader<'a> =
    dyn FnMut(&str) -> Result<std::sync::Arc<rampart_h1::errmsg::Message>, String> + 'a;

/// What parsing an action needs from the configuration being lowered, and what it
/// reports back besides the action.
pub struct ActCx<'a> {
    /// The proxy's name (`px->id`), for messages.
    pub proxy: &'a str,
    /// The proxy has the frontend capability (`frontend`, `listen`).
    pub frontend: bool,
    /// The proxy has the backend capability (`backend`, `listen`).
    pub backend: bool,
    /// The proxy is in `mode http` (HTTP-only log-format variables are allowed).
    pub http_mode: bool,
    /// Where `file` and `lf-file` payloads are read from.
    pub files: &'a dyn FileSource,
    /// Loads an `errorfile` payload as HAProxy's `http_load_errorfile` does (cached by
    /// name, shared with the `errorfile` keyword, validated as a response): the model's
    /// loader. Without it the file is read through `files` and checked here.
    pub errorfile: Option<&'a mut ErrorFileLoader<'a>>,
    /// `tune.bufsize`.
    pub bufsize: usize,
    /// `tune.maxrewrite`.
    pub maxrewrite: usize,
    /// `expose-experimental-directives` was given in `global`.
    pub experimental: bool,
    /// The proxy's count of request capture slots (`nb_req_cap`): `http-request capture
    /// ... len N` takes the next one and increments it.
    pub req_captures: usize,
    /// Warnings, in order.
    pub warnings: Vec<Warning>,
    /// `proc.` variables named by the actions: HAProxy creates them when the
    /// configuration is read, so `var()` finds them (unset) from the start.
    pub proc_vars: Vec<VarRef>,
    /// Loads the files of `map*` converters in the actions' expressions (the
    /// configuration's pattern registry); without it such converters are refused.
    pub load: Option<&'a mut crate::expr::ConvLoader<'a>>,
}

impl<'a> ActCx<'a> {
    /// A context for a proxy named `proxy` with both capabilities, in `mode http`,
    /// HAProxy's default buffer sizes, no experimental directives.
    pub fn new(proxy: &'a str, files: &'a dyn FileSource) -> ActCx<'a> {
        ActCx {
            proxy,
            frontend: true,
            backend: true,
            http_mode: true,
            files,
            errorfile: None,
            bufsize: 16384,
            maxrewrite: 1024,
            experimental: false,
            req_captures: 0,
            warnings: Vec::new(),
            proc_vars: Vec::new(),
            load: None,
        }
    }

    pub(crate) fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(Warning {
            located: true,
            msg: msg.into(),
        });
    }

    pub(crate) fn warn_plain(&mut self, msg: impl Into<String>) {
        self.warnings.push(Warning {
            located: false,
            msg: msg.into(),
        });
    }

    /// The checkpoints of the rule set for this proxy (`SMP_VAL_FE_*`, `SMP_VAL_BE_*`).
    pub(crate) fn places(&self, set: RuleSet) -> [Option<Ckp>; 2] {
        let (fe, be) = if set.is_response() {
            (Ckp::FeHrsHdr, Ckp::BeHrsHdr)
        } else {
            (Ckp::FeHrqHdr, Ckp::BeHrqHdr)
        };
        [self.frontend.then_some(fe), self.backend.then_some(be)]
    }

    /// Checks an expression's fetch as the action parsers do, with their message
    /// naming `word`.
    pub(crate) fn check_fetch(&self, expr: &Expr, set: RuleSet, word: &str) -> Result<(), String> {
        check_fetch_at(expr, self.places(set), word)
    }

    /// Parses a log-format string for the rule set, with `LOG_OPT_HTTP` when `http`.
    /// A fetch must be usable at one of the proxy's checkpoints, as HAProxy checks
    /// against their union.
    pub(crate) fn logformat(
        &mut self,
        fmt: &str,
        set: RuleSet,
        http: bool,
    ) -> Result<LogFormat, String> {
        let places = self.places(set);
        self.logformat_at(fmt, places, http)
    }

    /// [`ActCx::logformat`] for a rule set given by its checkpoints (the TCP rule
    /// sets, [`tcp`]).
    pub(crate) fn logformat_at(
        &mut self,
        fmt: &str,
        [a, b]: [Option<Ckp>; 2],
        http: bool,
    ) -> Result<LogFormat, String> {
        let mode = |place| Mode {
            http,
            merge_spaces: false,
            proxy_http: self.http_mode,
            place,
        };
        let first = a.or(b).unwrap_or(Ckp::FeHrqHdr);
        match LogFormat::parse_with(fmt, mode(first), self.load.as_deref_mut()) {
            Ok(lf) => Ok(lf),
            Err(e) => match (a, b) {
                (Some(_), Some(other)) => {
                    LogFormat::parse_with(fmt, mode(other), self.load.as_deref_mut()).map_err(|_| e)
                }
                _ => Err(e),
            },
        }
    }

    /// A sample expression at `words[*idx]`, map files loaded.
    pub(crate) fn expr(
        &mut self,
        words: &[&str],
        idx: &mut usize,
    ) -> Result<(Expr, usize), String> {
        Expr::parse_with(
            words,
            idx,
            crate::expr::End::Words,
            self.load.as_deref_mut(),
        )
    }
}

/// The fetch's information exists at one of `places` (`fetch->val & where`).
pub(crate) fn fetch_ok_at(uses: Uses, places: [Option<Ckp>; 2]) -> bool {
    let valid = uses.valid_at();
    places.iter().flatten().any(|&c| valid.contains(c))
}

/// Checks an expression's fetch against `places`, HAProxy's message naming `word`.
pub(crate) fn check_fetch_at(
    expr: &Expr,
    places: [Option<Ckp>; 2],
    word: &str,
) -> Result<(), String> {
    if fetch_ok_at(expr.fetch.uses, places) {
        return Ok(());
    }
    Err(format!(
        "fetch method '{word}' extracts information from '{}', none of which is available here",
        expr.fetch.uses.names()
    ))
}

/// Word `i` of the line, `""` past its end (HAProxy's argument array ends with empty
/// strings).
pub(crate) fn arg<'w>(words: &[&'w str], i: usize) -> &'w str {
    words.get(i).copied().unwrap_or("")
}

/// The word is `if` or `unless`.
pub(crate) fn is_cond(w: &str) -> bool {
    w == "if" || w == "unless"
}

#[cfg(test)]
mod tests;
