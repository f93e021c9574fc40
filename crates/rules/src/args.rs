//! Arguments of fetches, converters and ACL keywords (configuration manual 7.1: the
//! parenthesised, comma-separated list after a keyword), read as HAProxy's
//! `make_arg_list` reads them: quotes and backslash escapes inside the parentheses,
//! typed values (integers, addresses and masks, delays, sizes), names of proxies,
//! servers, tables and the like kept for resolution once the whole configuration is
//! known, and HAProxy's error messages.

use rampart_config::units::{parse_size, parse_time, TimeUnit};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Argument types (`ARGT_*`); the names are HAProxy's, as its messages print them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    Sint,
    Str,
    Ipv4,
    /// An IPv4 mask, as a length or dotted; stored as an address.
    Msk4,
    Ipv6,
    Msk6,
    /// A delay, milliseconds by default; stored as an integer.
    Time,
    /// A size in bytes (`k`, `m`, `g`); stored as an integer.
    Size,
    Fe,
    Be,
    Tab,
    Srv,
    Usr,
    Map,
    Reg,
    Var,
    PbufFnum,
}

impl ArgType {
    pub fn name(self) -> &'static str {
        match self {
            ArgType::Sint => "integer",
            ArgType::Str => "string",
            ArgType::Ipv4 => "IPv4 address",
            ArgType::Msk4 => "IPv4 mask",
            ArgType::Ipv6 => "IPv6 address",
            ArgType::Msk6 => "IPv6 mask",
            ArgType::Time => "delay",
            ArgType::Size => "size",
            ArgType::Fe => "frontend",
            ArgType::Be => "backend",
            ArgType::Tab => "table",
            ArgType::Srv => "server",
            ArgType::Usr => "user list",
            ArgType::Map => "map",
            ArgType::Reg => "regex",
            ArgType::Var => "variable",
            ArgType::PbufFnum => "Protocol buffers field number",
        }
    }

    /// Types kept as text until the configuration is complete (a backend named before
    /// it is declared).
    fn resolved_later(self) -> bool {
        matches!(
            self,
            ArgType::Fe | ArgType::Be | ArgType::Tab | ArgType::Srv | ArgType::Usr | ArgType::Reg
        )
    }
}

/// Where an expression was written, as HAProxy's argument contexts (`ARGC_*`) say it
/// in the messages of argument resolution (`smp_resolve_args`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ArgCtx {
    /// An ACL criterion (`ARGC_ACL`, the context of a new proxy).
    #[default]
    Acl,
    Stk,
    Trk,
    Log,
    Hrq,
    Hrs,
    Uif,
    Rdr,
    Cap,
    Srv,
    Ubk,
    Usrv,
    Herr,
    Tco,
    Tse,
    Trq,
    Trs,
    Tck,
}

impl ArgCtx {
    /// What the keyword is (`ACL keyword`, `sample fetch keyword`) and the words
    /// before the proxy's name (`in`, `in http-request expression in`...).
    pub fn words(self) -> (&'static str, &'static str) {
        let place = match self {
            ArgCtx::Acl => return ("ACL keyword", "in"),
            ArgCtx::Stk => "in stick rule in",
            ArgCtx::Trk => "in tracking rule in",
            ArgCtx::Log => "in log-format string in",
            ArgCtx::Hrq => "in http-request expression in",
            ArgCtx::Hrs => "in http-response response in",
            ArgCtx::Uif => "in unique-id-format string in",
            ArgCtx::Rdr => "in redirect format string in",
            ArgCtx::Cap => "in capture rule in",
            ArgCtx::Srv => "in server directive in",
            ArgCtx::Ubk => "in use_backend expression in",
            ArgCtx::Usrv => "in use-server or balance expression in",
            ArgCtx::Herr => "in http-error directive in",
            ArgCtx::Tco => "in tcp-request connection expression in",
            ArgCtx::Tse => "in tcp-request session expression in",
            ArgCtx::Trq => "in tcp-request content expression in",
            ArgCtx::Trs => "in tcp-response content expression in",
            ArgCtx::Tck => "in tcp-check expression in",
        };
        ("sample fetch keyword", place)
    }
}

/// What a keyword accepts: the types in order and how many are mandatory.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub types: &'static [ArgType],
    pub min: usize,
}

impl ArgSpec {
    pub const NONE: ArgSpec = ArgSpec { types: &[], min: 0 };
}

/// A parsed argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Sint(i64),
    Str(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// Bytes decoded at configuration time (`bin(hex)`).
    Bin(Vec<u8>),
    /// Dotted field numbers (`ARGT_PBUF_FNUM`).
    FieldIds(Vec<u32>),
    /// A variable name, checked.
    Var(crate::vars::VarRef),
    /// A frontend or backend, resolved to its index in the configuration.
    Proxy(usize),
    /// A server, resolved to its backend's index and its index there.
    Server(usize, usize),
    /// A name to resolve once the configuration is complete (proxy, server, table,
    /// user list, regex).
    Unresolved(ArgType, String),
    /// A map file loaded for a `map*` converter (`ARGT_MAP` once loaded).
    Map(std::sync::Arc<crate::map::Map>),
    /// A compiled regex (`ARGT_REG` once resolved).
    Regex(std::sync::Arc<crate::regex::Regex>),
}

/// Reads the argument list at the start of `input` (which begins with `(` when there
/// are arguments). Returns the arguments and how many bytes of `input` were consumed
/// (through the closing parenthesis). Optional arguments may be missing: the caller
/// decides what their absence means.
pub fn parse_args(input: &str, spec: &ArgSpec) -> Result<(Vec<Arg>, usize), String> {
    parse_args_at(input, spec).map_err(|(_, e)| e)
}

/// [`parse_args`], with the position (from 0) of the argument an error is about, for
/// messages that name it (`invalid arg 2 in converter …`).
pub fn parse_args_at(input: &str, spec: &ArgSpec) -> Result<(Vec<Arg>, usize), (usize, String)> {
    // Without parentheses there is nothing to read, but a mandatory first argument
    // still exists, empty (HAProxy's rule: a string argument is then "").
    let empty = !input.starts_with('(');
    let src = if empty { "" } else { input };
    let bytes = src.as_bytes();
    let mut i = usize::from(!empty);
    let nbarg = spec.types.len();
    let mut out = Vec::new();
    let mut pos = 0;
    if nbarg > 0 && !(empty && spec.min == 0) {
        while pos < nbarg {
            let (text, next) = unquote(src, i);
            i = next;
            let ty = spec.types[pos];
            match typed(ty, &text, pos).map_err(|e| (pos, e))? {
                Some(a) => out.push(a),
                None => {
                    // An empty value where one is needed ends the list; an error only
                    // when the argument was mandatory.
                    if pos < spec.min {
                        return Err((
                            pos,
                            format!(
                                "expected type '{}' at position {}, but got nothing",
                                ty.name(),
                                pos + 1
                            ),
                        ));
                    }
                    break;
                }
            }
            pos += 1;
            if i >= bytes.len() || bytes[i] == b')' || pos >= nbarg {
                break;
            }
            i += 1; // the comma
        }
    }
    if pos < spec.min {
        let ty = spec.types.get(pos).map_or("end of arguments", |t| t.name());
        return Err((
            pos,
            format!(
                "missing arguments (got {pos}/{}), type '{ty}' expected",
                spec.min
            ),
        ));
    }
    if !empty {
        if bytes.get(i) == Some(&b')') {
            i += 1;
        } else {
            let rest = src.get(i..).unwrap_or("");
            return Err((
                pos,
                if rest.is_empty() {
                    "expected ')'".to_string()
                } else {
                    format!("expected ')' before '{rest}'")
                },
            ));
        }
    }
    Ok((out, i))
}

/// One argument's text from `start`: quotes removed, escapes applied, up to an
/// unquoted `,` or `)`. Returns the text and where it stopped.
fn unquote(input: &str, start: usize) -> (String, usize) {
    let b = input.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let (mut sq, mut dq) = (false, false);
    let mut i = start;
    while i < b.len() && b[i] != 0 {
        let c = b[i];
        if c == b'"' && !sq {
            dq = !dq;
            i += 1;
        } else if c == b'\'' && !dq {
            sq = !sq;
            i += 1;
        } else if c == b'\\' && !sq && i + 1 < b.len() {
            match b[i + 1] {
                e @ (b'\\' | b' ' | b'"' | b'\'') => {
                    out.push(e);
                    i += 2;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                }
                _ => {
                    out.push(b'\\');
                    i += 1;
                }
            }
        } else if !sq && !dq && (c == b',' || c == b')') {
            break;
        } else {
            out.push(c);
            i += 1;
        }
    }
    // The input is UTF-8 and only ASCII bytes were removed or replaced.
    (String::from_utf8_lossy(&out).into_owned(), i)
}

/// Converts one argument's text to its type; `Ok(None)` for an empty value of a type
/// that needs one.
fn typed(ty: ArgType, text: &str, pos: usize) -> Result<Option<Arg>, String> {
    let parse_err = || {
        format!(
            "failed to parse '{text}' as type '{}' at position {}",
            ty.name(),
            pos + 1
        )
    };
    let needs_value =
        !matches!(ty, ArgType::Str | ArgType::Map | ArgType::Var) && !ty.resolved_later();
    if text.is_empty() && needs_value {
        return Ok(None);
    }
    Ok(Some(match ty {
        ArgType::Sint => {
            let (v, used) = read_int64(text.as_bytes());
            if used < text.len() {
                return Err(parse_err());
            }
            Arg::Sint(v)
        }
        ArgType::Str | ArgType::Map | ArgType::Var => Arg::Str(text.to_string()),
        t if t.resolved_later() => Arg::Unresolved(t, text.to_string()),
        ArgType::Ipv4 => Arg::Ipv4(text.parse().map_err(|_| parse_err())?),
        ArgType::Ipv6 => Arg::Ipv6(text.parse().map_err(|_| parse_err())?),
        ArgType::Msk4 => Arg::Ipv4(mask4(text).ok_or_else(parse_err)?),
        ArgType::Msk6 => Arg::Ipv6(mask6(text).ok_or_else(parse_err)?),
        ArgType::Time => match parse_time(text, TimeUnit::Ms) {
            Ok(t) if t.trailing.is_none() => Arg::Sint(i64::from(t.value)),
            _ => return Err(parse_err()),
        },
        ArgType::Size => Arg::Sint(i64::from(parse_size(text).map_err(|_| parse_err())?)),
        ArgType::PbufFnum => Arg::FieldIds(dotted_uints(text).ok_or_else(parse_err)?),
        _ => return Err(parse_err()),
    }))
}

/// `read_int64`: optional sign, digits, saturating; returns the value and the bytes used.
pub fn read_int64(s: &[u8]) -> (i64, usize) {
    let sign = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    let digits = s[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    let v = crate::sample::str_to_int(s).unwrap_or(0);
    (v, sign + digits)
}

/// `parse_dotted_uints`: numbers separated by dots, each read as `read_uint` does
/// (wrapping, an empty part is 0); a trailing dot or another character fails.
fn dotted_uints(text: &str) -> Option<Vec<u32>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let mut n: u32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            n = n.wrapping_mul(10).wrapping_add(u32::from(b[i] - b'0'));
            i += 1;
        }
        if i < b.len() {
            if b[i] != b'.' || i + 1 == b.len() {
                return None;
            }
            i += 1;
        }
        out.push(n);
    }
    Some(out)
}

/// `str2mask`: a prefix length (0..=32) or a dotted mask.
fn mask4(text: &str) -> Option<Ipv4Addr> {
    if !text.contains('.') {
        let n: u32 = text.parse().ok()?;
        if n > 32 {
            return None;
        }
        let m = if n == 0 { 0 } else { u32::MAX << (32 - n) };
        return Some(Ipv4Addr::from(m));
    }
    text.parse().ok()
}

/// `str2mask6`: a prefix length (0..=128) or an address form.
fn mask6(text: &str) -> Option<Ipv6Addr> {
    if !text.contains(':') {
        let n: u32 = text.parse().ok()?;
        if n > 128 {
            return None;
        }
        let m = if n == 0 { 0 } else { u128::MAX << (128 - n) };
        return Some(Ipv6Addr::from(m));
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STR_INT: ArgSpec = ArgSpec {
        types: &[ArgType::Str, ArgType::Sint],
        min: 1,
    };
    const STR_STR: ArgSpec = ArgSpec {
        types: &[ArgType::Str, ArgType::Str],
        min: 1,
    };

    #[test]
    fn quotes_escapes_and_end() {
        let (a, n) = parse_args("(\"a,b\",-3),lower", &STR_INT).unwrap();
        assert_eq!(a, vec![Arg::Str("a,b".into()), Arg::Sint(-3)]);
        assert_eq!(n, 10);
        let (a, _) = parse_args("('x\\y') rest", &STR_INT).unwrap();
        assert_eq!(a, vec![Arg::Str("x\\y".into())]);
        // A backslash before anything but \\, space and quotes stays; \t is a tab.
        let (a, _) = parse_args("(a\\,b\\tc)", &STR_STR).unwrap();
        assert_eq!(a, vec![Arg::Str("a\\".into()), Arg::Str("b\tc".into())]);
        let (a, _) = parse_args("(a\\ b)", &STR_STR).unwrap();
        assert_eq!(a, vec![Arg::Str("a b".into())]);
    }

    #[test]
    fn without_parentheses_a_mandatory_string_is_empty() {
        let (a, n) = parse_args(",lower", &STR_INT).unwrap();
        assert_eq!((a, n), (vec![Arg::Str(String::new())], 0));
        let int = ArgSpec {
            types: &[ArgType::Sint],
            min: 1,
        };
        assert_eq!(
            parse_args("", &int).unwrap_err(),
            "expected type 'integer' at position 1, but got nothing"
        );
        let opt = ArgSpec {
            types: &[ArgType::Sint],
            min: 0,
        };
        assert_eq!(parse_args(",x", &opt).unwrap(), (vec![], 0));
    }

    #[test]
    fn errors_as_haproxy_words_them() {
        assert_eq!(
            parse_args("(x,1a)", &STR_INT).unwrap_err(),
            "failed to parse '1a' as type 'integer' at position 2"
        );
        assert_eq!(parse_args("(x,1", &STR_INT).unwrap_err(), "expected ')'");
        let int = ArgSpec {
            types: &[ArgType::Sint],
            min: 1,
        };
        assert_eq!(
            parse_args("()", &int).unwrap_err(),
            "expected type 'integer' at position 1, but got nothing"
        );
        assert_eq!(
            parse_args("(1,2)", &int).unwrap_err(),
            "expected ')' before ',2)'"
        );
    }

    #[test]
    fn typed_values() {
        let t = ArgSpec {
            types: &[ArgType::Time, ArgType::Size, ArgType::Msk4, ArgType::Be],
            min: 0,
        };
        let (a, _) = parse_args("(2s,16k,24,app)", &t).unwrap();
        assert_eq!(
            a,
            vec![
                Arg::Sint(2000),
                Arg::Sint(16384),
                Arg::Ipv4(Ipv4Addr::new(255, 255, 255, 0)),
                Arg::Unresolved(ArgType::Be, "app".into()),
            ]
        );
        let (a, _) = parse_args("(1s)", &t).unwrap();
        assert_eq!(a, vec![Arg::Sint(1000)]);
        assert!(parse_args("(1x)", &t).is_err());
    }
}
