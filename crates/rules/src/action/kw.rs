//! Which words name actions in each HTTP rule set: HAProxy's registered lists in the
//! order Debian's HAProxy 2.6 holds them (that order shows in its "expects ..."
//! message and decides which prefix keyword a word such as `set-var-fmt(x)` takes),
//! the lookup (`action_lookup`: exact names, or a prefix for the keywords that take an
//! argument glued to their name), and the suggestion for a mistyped word
//! (`action_suggest`).

use super::{ActError, ErrKind, RuleSet};

/// What an action word stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    AddAcl,
    AddHeader,
    Allow,
    Auth,
    Capture,
    DelAcl,
    DelHeader,
    DelMap,
    Deny,
    DisableL7Retry,
    EarlyHint,
    NormalizeUri,
    Redirect,
    Reject,
    ReplaceHeader,
    ReplacePath,
    ReplacePathq,
    ReplaceUri,
    ReplaceValue,
    Return,
    SetHeader,
    SetMap,
    SetMethod,
    SetPath,
    SetPathq,
    SetQuery,
    SetUri,
    SetStatus,
    StrictMode,
    Tarpit,
    SetTimeout,
    WaitForBody,
    SetVarFmt,
    SetVar,
    UnsetVar,
    SetDst,
    SetDstPort,
    SetMark,
    SetSrc,
    SetSrcPort,
    SetTos,
    SilentDrop,
    SetPriorityClass,
    SetPriorityOffset,
    SetLogLevel,
    SetNice,
    UseService,
    /// An action of a subsystem Rampart does not have yet; what it needs.
    NotYet(&'static str),
}

/// One registered action keyword.
#[derive(Clone, Copy, Debug)]
pub struct ActionKw {
    pub name: &'static str,
    /// `KWF_MATCH_PREFIX`: the keyword matches any word starting with it.
    pub prefix: bool,
    /// `KWF_EXPERIMENTAL`.
    pub experimental: bool,
    pub kw: Kw,
}

const fn k(name: &'static str, kw: Kw) -> ActionKw {
    ActionKw {
        name,
        prefix: false,
        experimental: false,
        kw,
    }
}

const fn p(name: &'static str, kw: Kw) -> ActionKw {
    ActionKw {
        name,
        prefix: true,
        experimental: false,
        kw,
    }
}

const TLS: &str = "TLS";
const OT: &str = "the OpenTracing filter";
const STICK: &str = "stick tables";
const SPOE: &str = "SPOE";
const DNS: &str = "DNS resolvers";
const CACHE: &str = "the cache";

/// `http-request` actions.
pub const HTTP_REQUEST: &[ActionKw] = &[
    k("wait-for-handshake", Kw::NotYet(TLS)),
    k("ot-group", Kw::NotYet(OT)),
    k("set-log-level", Kw::SetLogLevel),
    k("set-nice", Kw::SetNice),
    k("use-service", Kw::UseService),
    p("sc-inc-gpc", Kw::NotYet(STICK)),
    p("sc-inc-gpc0", Kw::NotYet(STICK)),
    p("sc-inc-gpc1", Kw::NotYet(STICK)),
    p("sc-set-gpt", Kw::NotYet(STICK)),
    p("sc-set-gpt0", Kw::NotYet(STICK)),
    k("send-spoe-group", Kw::NotYet(SPOE)),
    p("do-resolve", Kw::NotYet(DNS)),
    k("cache-use", Kw::NotYet(CACHE)),
    p("add-acl", Kw::AddAcl),
    k("add-header", Kw::AddHeader),
    k("allow", Kw::Allow),
    k("auth", Kw::Auth),
    k("capture", Kw::Capture),
    p("del-acl", Kw::DelAcl),
    k("del-header", Kw::DelHeader),
    p("del-map", Kw::DelMap),
    k("deny", Kw::Deny),
    k("disable-l7-retry", Kw::DisableL7Retry),
    k("early-hint", Kw::EarlyHint),
    ActionKw {
        name: "normalize-uri",
        prefix: false,
        experimental: true,
        kw: Kw::NormalizeUri,
    },
    k("redirect", Kw::Redirect),
    k("reject", Kw::Reject),
    k("replace-header", Kw::ReplaceHeader),
    k("replace-path", Kw::ReplacePath),
    k("replace-pathq", Kw::ReplacePathq),
    k("replace-uri", Kw::ReplaceUri),
    k("replace-value", Kw::ReplaceValue),
    k("return", Kw::Return),
    k("set-header", Kw::SetHeader),
    p("set-map", Kw::SetMap),
    k("set-method", Kw::SetMethod),
    k("set-path", Kw::SetPath),
    k("set-pathq", Kw::SetPathq),
    k("set-query", Kw::SetQuery),
    k("set-uri", Kw::SetUri),
    k("strict-mode", Kw::StrictMode),
    k("tarpit", Kw::Tarpit),
    p("track-sc", Kw::NotYet(STICK)),
    k("set-timeout", Kw::SetTimeout),
    k("wait-for-body", Kw::WaitForBody),
    p("set-var-fmt", Kw::SetVarFmt),
    p("set-var", Kw::SetVar),
    p("unset-var", Kw::UnsetVar),
    k("set-dst", Kw::SetDst),
    k("set-dst-port", Kw::SetDstPort),
    k("set-mark", Kw::SetMark),
    k("set-src", Kw::SetSrc),
    k("set-src-port", Kw::SetSrcPort),
    k("set-tos", Kw::SetTos),
    k("silent-drop", Kw::SilentDrop),
    k("set-priority-class", Kw::SetPriorityClass),
    k("set-priority-offset", Kw::SetPriorityOffset),
];

/// `http-response` actions.
pub const HTTP_RESPONSE: &[ActionKw] = &[
    k("ot-group", Kw::NotYet(OT)),
    k("set-log-level", Kw::SetLogLevel),
    k("set-nice", Kw::SetNice),
    p("sc-inc-gpc", Kw::NotYet(STICK)),
    p("sc-inc-gpc0", Kw::NotYet(STICK)),
    p("sc-inc-gpc1", Kw::NotYet(STICK)),
    p("sc-set-gpt", Kw::NotYet(STICK)),
    p("sc-set-gpt0", Kw::NotYet(STICK)),
    k("send-spoe-group", Kw::NotYet(SPOE)),
    k("cache-store", Kw::NotYet(CACHE)),
    p("add-acl", Kw::AddAcl),
    k("add-header", Kw::AddHeader),
    k("allow", Kw::Allow),
    k("capture", Kw::Capture),
    p("del-acl", Kw::DelAcl),
    k("del-header", Kw::DelHeader),
    p("del-map", Kw::DelMap),
    k("deny", Kw::Deny),
    k("redirect", Kw::Redirect),
    k("replace-header", Kw::ReplaceHeader),
    k("replace-value", Kw::ReplaceValue),
    k("return", Kw::Return),
    k("set-header", Kw::SetHeader),
    p("set-map", Kw::SetMap),
    k("set-status", Kw::SetStatus),
    k("strict-mode", Kw::StrictMode),
    p("track-sc", Kw::NotYet(STICK)),
    k("wait-for-body", Kw::WaitForBody),
    p("set-var-fmt", Kw::SetVarFmt),
    p("set-var", Kw::SetVar),
    p("unset-var", Kw::UnsetVar),
    k("set-mark", Kw::SetMark),
    k("set-tos", Kw::SetTos),
    k("silent-drop", Kw::SilentDrop),
];

/// `http-after-response` actions.
pub const HTTP_AFTER_RESPONSE: &[ActionKw] = &[
    k("ot-group", Kw::NotYet(OT)),
    k("add-header", Kw::AddHeader),
    k("allow", Kw::Allow),
    k("capture", Kw::Capture),
    k("del-header", Kw::DelHeader),
    k("replace-header", Kw::ReplaceHeader),
    k("replace-value", Kw::ReplaceValue),
    k("set-header", Kw::SetHeader),
    k("set-status", Kw::SetStatus),
    k("strict-mode", Kw::StrictMode),
    p("set-var-fmt", Kw::SetVarFmt),
    p("set-var", Kw::SetVar),
    p("unset-var", Kw::UnsetVar),
];

/// The actions of a rule set, in HAProxy's order.
pub fn keywords(set: RuleSet) -> &'static [ActionKw] {
    match set {
        RuleSet::HttpRequest => HTTP_REQUEST,
        RuleSet::HttpResponse => HTTP_RESPONSE,
        RuleSet::HttpAfterResponse => HTTP_AFTER_RESPONSE,
    }
}

/// The keyword `word` names (`action_lookup`): the first in list order that is equal
/// to it, or, for prefix keywords, that it starts with.
pub fn lookup(set: RuleSet, word: &str) -> Option<&'static ActionKw> {
    keywords(set)
        .iter()
        .find(|k| word == k.name || (k.prefix && word.starts_with(k.name)))
}

/// HAProxy's error for a word that names no action of the rule set.
pub fn unknown(set: RuleSet, word: &str) -> ActError {
    let list: Vec<String> = keywords(set)
        .iter()
        .map(|k| format!("'{}{}'", k.name, if k.prefix { "(*)" } else { "" }))
        .collect();
    let mut msg = format!(
        "'{}' expects {}, but got '{word}'{}.",
        set.keyword(),
        list.join(", "),
        if word.is_empty() {
            " (missing argument)"
        } else {
            ""
        }
    );
    if let Some(best) = suggest(set, word) {
        msg.push_str(&format!(" Did you mean '{best}' maybe ?"));
    }
    ActError {
        kind: ErrKind::Unknown,
        msg,
    }
}

/// The closest action name to `word` (`action_suggest`), when close enough: a
/// fingerprint distance of at most twice the length of either word, three times for
/// prefix keywords.
pub fn suggest(set: RuleSet, word: &str) -> Option<&'static str> {
    closest(word, keywords(set).iter().map(|k| (k.name, k.prefix)), &[])
}

/// The closest of `names` (a name and whether it is a prefix keyword), then of
/// `extra` (words the rule set's parser knows itself, never prefixes), to `word`, when
/// close enough (`action_suggest`).
pub(crate) fn closest(
    word: &str,
    names: impl IntoIterator<Item = (&'static str, bool)>,
    extra: &[&'static str],
) -> Option<&'static str> {
    if word.is_empty() {
        return None;
    }
    let fp = rampart_core::fingerprint::of(word);
    let mut best: Option<(u32, &'static str, bool)> = None;
    let extra = extra.iter().map(|e| (*e, false));
    for (name, prefix) in names.into_iter().chain(extra) {
        let d = rampart_core::fingerprint::distance(&fp, &rampart_core::fingerprint::of(name));
        if best.is_none_or(|(bd, _, _)| d < bd) {
            best = Some((d, name, prefix));
        }
    }
    let (d, name, prefix) = best?;
    let factor = 2 + u32::from(prefix);
    let too_far = |len: usize| u64::from(d) > u64::from(factor) * len as u64;
    (!too_far(word.len()) && !too_far(name.len())).then_some(name)
}
