//! Persistence keywords of proxy sections (configuration manual 4.2 `cookie`,
//! `dynamic-cookie-key`, `force-persist`, `ignore-persist`, `use-server`,
//! `load-server-state-from-file`, `server-state-file-name`; HAProxy's
//! `cfg_parse_listen`), with HAProxy's checks and messages, and the dynamic cookie value
//! of a server (`srv_set_dyncookie`), which the model uses for its duplicate check and
//! the runtime for the value itself.
//!
//! Conditions of `force-persist`, `ignore-persist` and `use-server` are compiled over the
//! proxy's ACLs ([`super::acls`]).

use super::{tight_alert, tight_warn, Cap, Cond, ProxiesBuilder};
use crate::kw::Cx;
use rampart_config::units::TimeError;
use rampart_config::Span;
use rampart_rules::fetch::place::{Ckp, Places};

/// Every persistence setting of a proxy.
#[derive(Clone, Debug, Default)]
pub struct Persistence {
    /// `cookie <name> ...`.
    pub cookie: Option<Cookie>,
    /// `dynamic-cookie-key <key>`.
    pub dynamic_cookie_key: Option<String>,
    /// `force-persist` / `ignore-persist` rules, in order (the first matching one counts).
    pub rules: Vec<PersistRule>,
    /// `use-server` rules, in order.
    pub use_servers: Vec<UseServer>,
    /// `load-server-state-from-file` (`Unspec` behaves as `none`).
    pub load_state: LoadState,
    /// `server-state-file-name` (not inherited from `defaults`, as in HAProxy).
    pub state_file_name: Option<String>,
}

/// `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve]
/// [httponly] [secure] [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <a>]*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub rewrite: bool,
    pub insert: bool,
    pub prefix: bool,
    pub indirect: bool,
    pub nocache: bool,
    pub postonly: bool,
    pub preserve: bool,
    pub httponly: bool,
    pub secure: bool,
    pub dynamic: bool,
    /// The domains as HAProxy sends them: the first, then `; domain=<next>` for each
    /// other one.
    pub domain: Option<String>,
    /// Seconds (0: none).
    pub maxidle: u32,
    pub maxlife: u32,
    /// The `attr` values joined with `; `.
    pub attrs: Option<String>,
}

/// `force-persist if|unless <cond>` (`force`) or `ignore-persist ...`.
#[derive(Clone, Debug)]
pub struct PersistRule {
    pub force: bool,
    pub cond: Cond,
    pub span: Span,
}

/// `use-server <server> if|unless <cond>`.
#[derive(Clone, Debug)]
pub struct UseServer {
    pub server: String,
    pub cond: Cond,
    pub span: Span,
}

/// `load-server-state-from-file global|local|none`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadState {
    #[default]
    Unspec,
    None,
    Global,
    Local,
}

/// HAProxy's `invalid_domainchar`: letters, digits, `.`, `_`, `-`, and not empty.
fn invalid_domain_char(name: &str) -> Option<char> {
    if name.is_empty() {
        return Some('\0');
    }
    name.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
}

/// `dynamic-cookie-key <key>`.
pub(crate) fn dynamic_cookie_key(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "dynamic-cookie-key", "");
    let Some(key) = cx.arg(0).filter(|k| !k.is_empty()) else {
        return Err("'dynamic-cookie-key' expects <secret_key> as argument.".into());
    };
    b.px().persist.dynamic_cookie_key = Some(key.to_string());
    Ok(())
}

/// `cookie <name> [options]`. Every option error ends the line; the mode checks at the
/// end are reported after the cookie was stored, as HAProxy does.
pub(crate) fn cookie(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "cookie", "");
    let Some(name) = cx.arg(0).filter(|n| !n.is_empty()) else {
        return Err("'cookie' expects <cookie_name> as argument.".into());
    };
    // Options reset on every `cookie` line, whatever an earlier one (or defaults) set.
    let mut c = Cookie {
        name: name.to_string(),
        ..Cookie::default()
    };
    let args = cx.args();
    // HAProxy's argument list ends at the first empty word.
    let words: Vec<&str> = args[1..]
        .iter()
        .map(String::as_str)
        .take_while(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        let next = words.get(i + 1).copied();
        match w {
            "rewrite" => c.rewrite = true,
            "indirect" => c.indirect = true,
            "insert" => c.insert = true,
            "nocache" => c.nocache = true,
            "postonly" => c.postonly = true,
            "preserve" => c.preserve = true,
            "prefix" => c.prefix = true,
            "httponly" => c.httponly = true,
            "secure" => c.secure = true,
            "domain" => {
                let Some(d) = next else {
                    tight_alert(cx, "'domain' expects <domain> as argument.");
                    return Ok(());
                };
                if !d.contains('.') {
                    tight_warn(
                        cx,
                        format!("domain '{d}' contains no embedded dot, this configuration may not work properly (see RFC6265#5.2.3)."),
                    );
                }
                if let Some(ch) = invalid_domain_char(d) {
                    tight_alert(
                        cx,
                        format!("character '{ch}' is not permitted in domain name '{d}'."),
                    );
                    return Ok(());
                }
                c.domain = Some(match c.domain.take() {
                    None => d.to_string(),
                    Some(prev) => format!("{prev}; domain={d}"),
                });
                i += 1;
            }
            "maxidle" | "maxlife" => {
                let what = if w == "maxidle" {
                    "idletime"
                } else {
                    "lifetime"
                };
                let Some(v) = next else {
                    tight_alert(
                        cx,
                        format!("'{w}' expects <{what}> in seconds as argument."),
                    );
                    return Ok(());
                };
                let secs = match super::timeout::parse_s(cx, v) {
                    Ok(s) => s,
                    Err(e) => {
                        let msg = match e {
                            TimeError::Overflow => format!("timer overflow in argument <{v}> to <{w}>, maximum value is 2147483647 s (~68 years)."),
                            TimeError::Underflow => format!("timer underflow in argument <{v}> to <{w}>, minimum non-null value is 1 s."),
                            TimeError::UnexpectedChar(ch) => format!("unexpected character '{ch}' in argument to <{w}>."),
                            TimeError::Missing => format!("'{w}' expects <{what}> in seconds as argument."),
                        };
                        tight_alert(cx, msg);
                        return Ok(());
                    }
                };
                if w == "maxidle" {
                    c.maxidle = secs;
                } else {
                    c.maxlife = secs;
                }
                i += 1;
            }
            "dynamic" => {
                b.warn_not_cap(cx, Cap::Be, "dynamic", "");
                c.dynamic = true;
            }
            "attr" => {
                let Some(v) = next else {
                    tight_alert(cx, "'attr' expects <value> as argument.");
                    return Ok(());
                };
                if let Some(bad) = v.bytes().find(|&ch| ch.is_ascii_control() || ch == b';') {
                    tight_alert(
                        cx,
                        format!("character '%x{bad:02X}' is not permitted in attribute value."),
                    );
                    return Ok(());
                }
                c.attrs = Some(match c.attrs.take() {
                    None => v.to_string(),
                    Some(prev) => format!("{prev}; {v}"),
                });
                i += 1;
            }
            _ => {
                return Err("'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.".into());
            }
        }
        i += 1;
    }
    let (rw, ins, pfx, ind, psv) = (c.rewrite, c.insert, c.prefix, c.indirect, c.preserve);
    b.px().persist.cookie = Some(c);
    if rw && ind {
        cx.alert("cookie 'rewrite' and 'indirect' modes are incompatible.");
    }
    if [rw, ins, pfx].iter().filter(|&&m| m).count() > 1 {
        cx.alert("cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.");
    }
    if psv && !ins && !ind {
        cx.alert("cookie 'preserve' requires at least 'insert' or 'indirect'.");
    }
    Ok(())
}

/// `force-persist if|unless <cond>` and `ignore-persist if|unless <cond>`.
pub(crate) fn persist_rule(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let kw = cx.keyword();
    b.not_in_defaults(kw)?;
    b.warn_not_cap(cx, Cap::Be, kw, "");
    let cond = condition(b, cx, 0, kw, Ckp::BeReqCnt).map_err(|e| {
        e.unwrap_or_else(|e| format!("error detected while parsing a '{kw}' rule : {e}."))
    })?;
    let span = cx.span();
    b.px().persist.rules.push(PersistRule {
        force: kw == "force-persist",
        cond,
        span,
    });
    Ok(())
}

/// `use-server <server> if|unless <cond>`; the server is looked up after parsing.
pub(crate) fn use_server(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.not_in_defaults("use-server")?;
    b.warn_not_cap(cx, Cap::Be, "use-server", "");
    let Some(server) = cx.arg(0).filter(|s| !s.is_empty()) else {
        return Err("'use-server' expects a server name.".into());
    };
    let cond = condition(b, cx, 1, "use-server", Ckp::BeSetSrv).map_err(|e| {
        e.unwrap_or_else(|e| format!("error detected while parsing switching rule : {e}."))
    })?;
    if server.contains('%') {
        // A name built per request needs log-format expressions (the rules issue).
        return Err(format!(
            "a server name built from a log-format expression ('{server}') is not supported yet."
        ));
    }
    let span = cx.span();
    super::order::place(b, cx, super::order::Stage::UseServer, "use-server");
    b.px().persist.use_servers.push(UseServer {
        server: server.to_string(),
        cond,
        span,
    });
    Ok(())
}

/// The `if|unless <cond>` starting at argument `at`, evaluated at `place`. A missing
/// `if`/`unless` is the whole message (`Err(Ok)`); a condition's error is to be
/// wrapped by the keyword's wording (`Err(Err)`).
fn condition(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
    at: usize,
    kw: &str,
    place: Ckp,
) -> Result<Cond, Result<String, String>> {
    match cx.arg(at) {
        Some("if" | "unless") => {}
        _ => {
            return Err(Ok(format!(
                "'{kw}' requires either 'if' or 'unless' followed by a condition."
            )))
        }
    }
    let words = cx.args()[at..].to_vec();
    b.parse_cond(cx, &words, Some(Places::of(place)))
        .map_err(Err)
}

/// `load-server-state-from-file global|local|none`.
pub(crate) fn load_server_state(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "load-server-state-from-file", "");
    let v = cx.arg(0).unwrap_or_default();
    b.px().persist.load_state = match v {
        "global" => LoadState::Global,
        "local" => LoadState::Local,
        "none" => LoadState::None,
        _ => {
            return Err(format!(
                "'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '{v}'"
            ))
        }
    };
    Ok(())
}

/// `server-state-file-name [<name>|use-backend-name]` (no name: the backend's).
pub(crate) fn server_state_file_name(
    b: &mut ProxiesBuilder,
    cx: &mut Cx<'_>,
) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "server-state-file-name", "");
    cx.max_args(1)?;
    let name = match cx.arg(0) {
        None | Some("" | "use-backend-name") => b.cur().name.clone(),
        Some(n) => n.to_string(),
    };
    b.px().persist.state_file_name = Some(name);
    Ok(())
}

/// The dynamic cookie of a server (`srv_set_dyncookie`): XXH64 (seed 0) of the key, the
/// address bytes (4 or 16) and the port as a 32-bit big-endian number, written as 16
/// lower-case hex digits. The same on every load balancer sharing the key.
pub fn dynamic_cookie(key: &str, ip: std::net::IpAddr, port: u16) -> String {
    let mut buf = Vec::with_capacity(key.len() + 20);
    buf.extend_from_slice(key.as_bytes());
    match ip {
        std::net::IpAddr::V4(a) => buf.extend_from_slice(&a.octets()),
        std::net::IpAddr::V6(a) => buf.extend_from_slice(&a.octets()),
    }
    buf.extend_from_slice(&u32::from(port).to_be_bytes());
    format!("{:016x}", xxh64(&buf, 0))
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn read_u32(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

fn round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge(acc: u64, v: u64) -> u64 {
    (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

/// XXH64 (the xxHash 64-bit algorithm, as HAProxy's bundled copy computes it).
pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    let len = data.len();
    let mut i = 0;
    let mut h = if len >= 32 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while i + 32 <= len {
            for (k, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, read_u64(data, i + 8 * k));
            }
            i += 32;
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len as u64);
    while i + 8 <= len {
        h ^= round(0, read_u64(data, i));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        i += 8;
    }
    if i + 4 <= len {
        h ^= read_u32(data, i).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        i += 4;
    }
    for &byte in &data[i..] {
        h ^= u64::from(byte).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::run;

    #[test]
    fn cookie_options_and_inheritance() {
        let r = run("defaults\n mode http\n cookie SRV insert indirect domain a.example domain b.example attr x=1 attr y maxidle 1h maxlife 2d\n load-server-state-from-file local\n server-state-file-name d\n\
             frontend f\n bind :8080\nbackend b\n server s 127.0.0.1:80 cookie one redir /x\nbackend c\n cookie JS prefix\n");
        let b = &r.proxy("b").persist;
        let c = b.cookie.as_ref().unwrap_or_else(|| panic!("inherited"));
        assert!(c.insert && c.indirect && !c.prefix);
        assert_eq!(c.domain.as_deref(), Some("a.example; domain=b.example"));
        assert_eq!(c.attrs.as_deref(), Some("x=1; y"));
        assert_eq!((c.maxidle, c.maxlife), (3600, 172_800));
        assert_eq!(b.load_state, LoadState::Local);
        assert_eq!(b.state_file_name, None, "the file name is not inherited");
        let s = &r.proxy("b").servers[0].settings;
        assert_eq!(
            (s.cookie.as_deref(), s.redir.as_deref()),
            (Some("one"), Some("/x"))
        );
        // A new `cookie` line starts over.
        let c = r
            .proxy("c")
            .persist
            .cookie
            .as_ref()
            .unwrap_or_else(|| panic!("set"));
        assert!(c.prefix && !c.insert && c.domain.is_none() && c.maxidle == 0);
        // Frontends keep nothing.
        let p = &r.proxy("f").persist;
        assert!(p.cookie.is_none() && p.rules.is_empty() && p.use_servers.is_empty());
    }

    #[test]
    fn rules_keep_their_conditions() {
        let r = run("backend b\n force-persist if METH_GET\n ignore-persist unless LOCALHOST\n use-server s if TRUE\n server s 127.0.0.1:80\n");
        let p = &r.proxy("b").persist;
        assert_eq!(p.rules.len(), 2);
        assert!(p.rules[0].force && !p.rules[1].force);
        assert_eq!(p.rules[1].cond.pol, rampart_rules::acl::cond::Pol::Unless);
        assert_eq!(p.use_servers[0].server, "s");
        let r = run("backend b\n use-server s if { src 1.2.3.4 }\n server s 127.0.0.1:80\n");
        assert_eq!(r.proxy("b").persist.use_servers.len(), 1);
        let r = run("backend b\n use-server s if nope\n server s 127.0.0.1:80\n");
        assert!(r.has_alert("error detected while parsing switching rule : no such ACL : 'nope'."));
        let r = run("backend b\n use-server %[var(x)] if TRUE\n server s 127.0.0.1:80\n");
        assert!(r.has_alert(
            "a server name built from a log-format expression ('%[var(x)]') is not supported yet."
        ));
    }

    #[test]
    fn xxh64_reference_values() {
        assert_eq!(xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"abc", 0), 0x44BC_2CF5_AD77_0999);
        // Every tail length and the 32-byte stripes.
        let long: Vec<u8> = (0..=255u8).collect();
        let a = xxh64(&long, 0);
        let b = xxh64(&long[..255], 0);
        assert_ne!(a, b);
    }

    #[test]
    fn dynamic_cookies_are_haproxys() {
        // Values haproxy 2.6 sent for `dynamic-cookie-key secret`.
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        assert_eq!(dynamic_cookie("secret", ip, 19001), "af3f54cdf9d79690");
        assert_eq!(dynamic_cookie("secret", ip, 19002), "04b57f93bcefce22");
    }
}
