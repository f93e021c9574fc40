//! The traffic log formats of a proxy (manual 4.2 `log-format`, `log-format-sd`,
//! `error-log-format`, `unique-id-format`, `option httplog|httpslog|tcplog`): the
//! strings are kept as written (defaults pass them on), then compiled once the proxy
//! is complete, with its final mode, as HAProxy's configuration checks do.

use super::options::LogFormat as Choice;
use super::{Mode, ProxiesBuilder, Proxy, Spanned};
use crate::kw::Cx;
use rampart_config::{Diagnostic, Form, Phase, Span};
use rampart_rules::fetch::place::Ckp;
use rampart_rules::logfmt::{LogFormat, Mode as LfMode};
use std::sync::Arc;

/// `option httplog`.
pub const HTTP: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r";
/// `option httpslog`.
pub const HTTPS: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc";
/// `option httpslog` until TLS lands: its TLS fetches (`ssl_fc_err`...) are not
/// supported yet, and on a connection without TLS they give no sample (an unset
/// variable gives none too), except `ssl_fc_is_resumed`, false.
pub const HTTPS_NO_TLS: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r %[fc_err]/%[var(txn.rampart_no_tls)]/%[var(txn.rampart_no_tls)]/%[var(txn.rampart_no_tls)]/%[bool(0)] %[var(txn.rampart_no_tls)]/%sslv/%sslc";
/// `option httplog clf`.
pub const CLF: &str = "%{+Q}o %{-Q}ci - - [%trg] %r %ST %B \"\" \"\" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl";
/// `option tcplog`.
pub const TCP: &str = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";
/// The structured data of RFC 5424 targets when `log-format-sd` is not set.
pub const DEFAULT_SD: &str = "- ";

/// The format strings other than the main one (which is `options.log_format`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatLines {
    pub sd: Option<Spanned<String>>,
    pub error: Option<Spanned<String>>,
    pub unique_id: Option<Spanned<String>>,
}

/// The compiled formats a frontend logs with.
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    /// The log line (`None`: no format; HAProxy then logs only "Connect from").
    pub line: Option<Arc<LogFormat>>,
    /// The structured data (`None`: none set and no RFC 5424 target).
    pub sd: Option<Arc<LogFormat>>,
    /// Lines of connections that failed before a stream (`error-log-format`).
    pub error: Option<Arc<LogFormat>>,
    /// `unique-id-format` (frontends and backends).
    pub unique_id: Option<Arc<LogFormat>>,
    /// The main format reports a figure only known at the end of the stream (`%B`,
    /// `%Tt`...): with `option logasap` they get a `+`.
    pub logs_end: bool,
}

/// The text of a format choice.
pub fn text(c: &Choice) -> &str {
    match c {
        Choice::Http => HTTP,
        Choice::HttpClf => CLF,
        Choice::Https => HTTPS_NO_TLS,
        Choice::Tcp => TCP,
        Choice::Custom(s) => s,
    }
}

fn one_arg<'a>(cx: &'a Cx<'_>) -> Result<&'a str, String> {
    let kw = cx.keyword();
    let Some(a) = cx.arg(0).filter(|a| !a.is_empty()) else {
        return Err(format!("{kw} expects an argument."));
    };
    if cx.arg(1).is_some_and(|a| !a.is_empty()) {
        return Err(format!(
            "{kw} expects only one argument, don't forget to escape spaces!"
        ));
    }
    Ok(a)
}

/// HAProxy's warning for a format line in a backend.
fn ignored_in_backend(b: &ProxiesBuilder, cx: &mut Cx<'_>) {
    if !b.in_defaults() && !b.cur().is_fe() {
        let msg = format!(
            "backend '{}' : '{}' directive is ignored in backends.",
            b.cur().name,
            cx.keyword()
        );
        cx.diags
            .push(Diagnostic::warning(Some(cx.span()), msg).form(Form::Parsing));
    }
}

/// `log-format <string>`.
pub(crate) fn log_format(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let fmt = one_arg(cx)?.to_string();
    if b.in_defaults() {
        if let Some(old) = &b.cur().options.log_format {
            let msg = format!(
                "'log-format' overrides previous '{}' in 'defaults' section.",
                old.value.directive()
            );
            super::tight_warn(cx, msg);
        }
    }
    let span = cx.span();
    b.px().options.log_format = Some(Spanned {
        value: Choice::Custom(fmt),
        span,
    });
    ignored_in_backend(b, cx);
    Ok(())
}

/// `log-format-sd <string>`.
pub(crate) fn log_format_sd(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let value = one_arg(cx)?.to_string();
    let span = cx.span();
    b.px().formats.sd = Some(Spanned { value, span });
    ignored_in_backend(b, cx);
    Ok(())
}

/// `error-log-format <string>`.
pub(crate) fn error_log_format(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let value = one_arg(cx)?.to_string();
    if b.in_defaults() && b.cur().formats.error.is_some() {
        super::tight_warn(
            cx,
            "'error-log-format' overrides previous 'error-log-format' in 'defaults' section.",
        );
    }
    let span = cx.span();
    b.px().formats.error = Some(Spanned { value, span });
    ignored_in_backend(b, cx);
    Ok(())
}

/// `unique-id-format <string>`.
pub(crate) fn unique_id_format(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let value = one_arg(cx)?.to_string();
    let span = cx.span();
    b.px().formats.unique_id = Some(Spanned { value, span });
    Ok(())
}

/// Compiles the formats of proxy `i` (HAProxy's `check_config_validity`): a frontend's
/// log formats (a non-HTTP proxy falls back from `option httplog` to `tcplog`), the
/// unique id of any proxy. Errors are alerts naming the format's line.
pub(crate) fn compile(b: &mut ProxiesBuilder, i: usize, cx: &mut crate::LowerCx<'_>) {
    let Some(p) = b.proxies.get(i) else {
        return;
    };
    if p.disabled {
        return;
    }
    let http = p.mode == Mode::Http;
    let fe = p.is_fe();
    let rfc5424 = p.logs.targets.iter().any(|t| {
        matches!(t, super::log::LogTarget::Server(s)
            if s.format == Some(crate::log::LogFormat::Rfc5424))
    });
    let main = p.options.log_format.clone().map(|lf| {
        let fallback = !http && !matches!(lf.value, Choice::Custom(_));
        let text = if fallback { TCP } else { text(&lf.value) };
        (text.to_string(), lf.span, lf.value.is_custom())
    });
    let sd = p
        .formats
        .sd
        .clone()
        .map(|s| (s.value, s.span))
        .or_else(|| rfc5424.then(|| (DEFAULT_SD.to_string(), p.span)));
    let error = p.formats.error.clone().map(|s| (s.value, s.span));
    let uid = p.formats.unique_id.clone().map(|s| (s.value, s.span));
    let log_mode = LfMode {
        http: false,
        merge_spaces: true,
        proxy_http: http,
        place: Ckp::FeLogEnd,
    };
    let uid_mode = LfMode {
        http: true,
        merge_spaces: true,
        proxy_http: http,
        place: if fe { Ckp::FeHrqHdr } else { Ckp::BeHrqHdr },
    };
    let mut out = Compiled::default();
    if fe {
        if let Some((text, span, _)) = &main {
            out.line = run(b, text, *span, log_mode, "log-format", cx);
            out.logs_end = out.line.as_deref().is_some_and(|l| {
                l.nodes
                    .iter()
                    .any(|n| matches!(n, rampart_rules::logfmt::Node::Var(v, _) if v.needs_end()))
            });
        }
        if let Some((text, span)) = &sd {
            out.sd = run(b, text, *span, log_mode, "log-format-sd", cx);
        }
        if let Some((text, span)) = &error {
            out.error = run(b, text, *span, log_mode, "error-log-format", cx);
        }
    }
    if let Some((text, span)) = &uid {
        out.unique_id = run(b, text, *span, uid_mode, "unique-id", cx);
    }
    if let Some(p) = b.proxies.get_mut(i) {
        p.compiled = out;
    }
}

fn run(
    b: &mut ProxiesBuilder,
    text: &str,
    span: Span,
    mode: LfMode,
    what: &str,
    cx: &mut crate::LowerCx<'_>,
) -> Option<Arc<LogFormat>> {
    let dir = cx.base_dir(span);
    let r = b.with_loader(span, &dir, |lcx| {
        LogFormat::parse_loading(text, mode, Some(lcx))
    });
    match r {
        Ok(lf) => Some(Arc::new(lf)),
        Err(e) => {
            cx.diags.push(
                Diagnostic::alert(Some(span), format!("failed to parse {what} : {e}."))
                    .form(Form::CapitalParsing)
                    .phase(Phase::Check),
            );
            None
        }
    }
}

impl Proxy {
    /// Whether the proxy may log traffic (a frontend with a log target).
    pub fn logs_traffic(&self) -> bool {
        self.kind.is_fe() && !self.logs.targets.is_empty()
    }
}
