//! `tcp-request <what> ...` in proxy sections (configuration manual 4.2 `tcp-request
//! inspect-delay`, `tcp-request connection|content|session`; HAProxy's
//! `tcp_parse_tcp_req`).
//!
//! `inspect-delay` is implemented: it only bounds how long `tcp-request content` rules
//! may wait for data, so with no such rule (they are not supported yet) it has no effect,
//! exactly as in HAProxy. The rule families are "not supported yet".

use super::ProxiesBuilder;
use crate::kw::{Cx, Keyword};
use rampart_config::units::TimeError;

/// The words after `tcp-request`.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::not_yet("connection"),
    Keyword::not_yet("content"),
    Keyword::parse("inspect-delay", inspect_delay),
    Keyword::not_yet("session"),
];

/// The `tcp-request` keyword.
pub(crate) fn tcp_request(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let p = b.cur();
    let place = if b.in_defaults() {
        "defaults section".to_string()
    } else {
        format!("{} '{}'", p.kind.type_str(), p.name)
    };
    let what = match cx.arg(0) {
        Some(w) if !w.is_empty() => w,
        _ => return Err(format!("missing argument for 'tcp-request' in {place}")),
    };
    match crate::kw::lookup(TABLE, what) {
        Some(k) => {
            super::apply(b, cx, &k.status, &format!("tcp-request {}", k.name));
            Ok(())
        }
        None => Err(format!(
            "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in {place} (got '{what}')"
        )),
    }
}

/// `tcp-request inspect-delay <time>`.
fn inspect_delay(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    if b.in_defaults() && b.cur().name.is_empty() {
        return Err(
            "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections".into(),
        );
    }
    let p = b.cur();
    let place = format!("{} '{}'", p.kind.type_str(), p.name);
    let expects =
        format!("'tcp-request inspect-delay' expects a positive delay in milliseconds, in {place}");
    let value = cx.arg(1).unwrap_or_default();
    if value.is_empty() {
        return Err(expects);
    }
    let ms = super::timeout::parse_ms(cx, value).map_err(|e| match e {
        TimeError::Overflow => format!(
            "{expects} (timer overflow in '{value}', maximum value is 2147483647 ms or ~24.8 days)"
        ),
        TimeError::Underflow => {
            format!("{expects} (timer underflow in '{value}', minimum non-null value is 1 ms)")
        }
        TimeError::UnexpectedChar(c) => format!("{expects} (unexpected character '{c}')"),
        TimeError::Missing => expects.clone(),
    })?;
    if b.cur().tcp_request_inspect_delay != 0 {
        cx.warn(format!(
            "ignoring tcp-request inspect-delay (was already defined) in {place}"
        ));
        return Ok(());
    }
    b.px().tcp_request_inspect_delay = ms;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::proxy::testutil::*;

    const T: &str = "defaults d\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n";

    #[test]
    fn inspect_delay_is_accepted_and_inherited() {
        let r = run(&format!(
            "{T} tcp-request inspect-delay 3s\nfrontend f\n bind :80\nbackend b\n tcp-request inspect-delay 0\n tcp-request inspect-delay 2s\n"
        ));
        assert_eq!(r.proxy("f").tcp_request_inspect_delay, 3000);
        assert!(r.has_warning(
            "ignoring tcp-request inspect-delay (was already defined) in backend 'b'"
        ));
        assert_eq!(r.proxy("b").tcp_request_inspect_delay, 3000);
        let r = run(&format!("{T}frontend f\n bind :80\n tcp-request inspect-delay 0\n tcp-request inspect-delay 5s\n"));
        assert!(r.clean());
        assert_eq!(r.proxy("f").tcp_request_inspect_delay, 5000);
    }

    #[test]
    fn inspect_delay_errors_and_rules_not_yet() {
        let r = run(&format!(
            "{T}frontend f\n bind :80\n tcp-request inspect-delay x\n tcp-request inspect-delay\n tcp-request\n tcp-request foo\n tcp-request content accept\n tcp-request connection reject\n tcp-request session accept\ndefaults\n tcp-request inspect-delay 1s\n"
        ));
        for m in [
            "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f' (unexpected character 'x')",
            "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f'",
            "missing argument for 'tcp-request' in frontend 'f'",
            "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in frontend 'f' (got 'foo')",
            "'tcp-request content' is not supported yet",
            "'tcp-request connection' is not supported yet",
            "'tcp-request session' is not supported yet",
            "tcp-request inspect-delay is not allowed in anonymous 'defaults' sections",
        ] {
            assert!(r.has_alert(m), "{m}");
        }
    }
}
