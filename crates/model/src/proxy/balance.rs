//! Load-balancing settings (configuration manual 4.2 `balance`, `hash-type`,
//! `hash-balance-factor`; HAProxy's `backend_parse_balance` and the `hash-type` branch of
//! `cfg_parse_listen`): every algorithm with its argument validation.

use super::{Cap, ProxiesBuilder};
use crate::cnum::atol;
use crate::kw::{Cx, Keyword};

/// A load-balancing algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Algo {
    RoundRobin,
    StaticRr,
    LeastConn,
    First,
    Source,
    /// `random[(<draws>)]`, 2 draws by default.
    Random {
        draws: u32,
    },
    /// `uri [len N] [depth N] [whole] [path-only]`.
    Uri {
        len: u32,
        depth: u32,
        whole: bool,
        path_only: bool,
    },
    /// `url_param <name> [check_post]`.
    UrlParam {
        name: String,
        check_post: bool,
    },
    /// `hdr(<name>) [use_domain_only]`.
    Hdr {
        name: String,
        use_domain_only: bool,
    },
    /// `rdp-cookie[(<name>)]`, `mstshash` by default.
    RdpCookie {
        name: String,
    },
}

impl Algo {
    /// Layer-7 algorithms: they fall back to round robin outside `mode http`.
    pub fn needs_http(&self) -> bool {
        matches!(
            self,
            Algo::Uri { .. } | Algo::UrlParam { .. } | Algo::Hdr { .. }
        )
    }
}

/// `hash-type map-based|consistent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashType {
    #[default]
    MapBased,
    Consistent,
}

/// The hash function of `hash-type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HashFn {
    #[default]
    Sdbm,
    Djb2,
    Wt6,
    Crc32,
}

/// Balancing settings of a backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// `None`: not set (HAProxy then uses round robin).
    pub algo: Option<Algo>,
    pub hash_type: HashType,
    pub hash_fn: HashFn,
    pub avalanche: bool,
    /// `hash-balance-factor`: 0 or more than 100.
    pub hash_balance_factor: u32,
}

/// The algorithms `balance` accepts.
pub static TABLE: &[Keyword<ProxiesBuilder>] = &[
    Keyword::parse("first", simple),
    Keyword::not_yet("hash"),
    Keyword::parse("hdr", hdr),
    Keyword::parse("leastconn", simple),
    Keyword::parse("random", random),
    Keyword::parse("rdp-cookie", rdp_cookie),
    Keyword::parse("roundrobin", simple),
    Keyword::parse("source", simple),
    Keyword::parse("static-rr", simple),
    Keyword::parse("uri", uri),
    Keyword::parse("url_param", url_param),
];

/// The table entry an algorithm word designates (`random(3)` → `random`).
fn family(word: &str) -> &str {
    if word.starts_with("random") {
        "random"
    } else if word.starts_with("hdr(") {
        "hdr"
    } else if word.starts_with("rdp-cookie") {
        "rdp-cookie"
    } else {
        word
    }
}

/// `balance [<algorithm> [<arguments>]]`.
pub(crate) fn balance(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "balance", "");
    let Some(word) = cx.arg(0) else {
        b.px().balance.algo = Some(Algo::RoundRobin);
        return Ok(());
    };
    match crate::kw::lookup(TABLE, family(word)) {
        Some(k) => {
            if matches!(k.status, crate::kw::Status::NotYet) {
                return Err(crate::kw::not_supported_yet(&format!("balance {}", k.name)));
            }
            super::apply(b, cx, &k.status, &format!("balance {}", k.name));
            Ok(())
        }
        None => Err("balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.".into()),
    }
}

fn set(b: &mut ProxiesBuilder, a: Algo) -> Result<(), String> {
    b.px().balance.algo = Some(a);
    Ok(())
}

fn simple(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = match cx.arg(0).unwrap_or_default() {
        "roundrobin" => Algo::RoundRobin,
        "static-rr" => Algo::StaticRr,
        "first" => Algo::First,
        "leastconn" => Algo::LeastConn,
        _ => Algo::Source,
    };
    set(b, a)
}

fn random(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let word = cx.arg(0).unwrap_or_default();
    let rest = word.get(6..).unwrap_or_default();
    let mut draws = 2;
    if let Some(inner) = rest.strip_prefix('(') {
        if !inner.starts_with(')') {
            let (n, digits) = crate::cnum::strtol(inner, crate::cnum::Base::Auto);
            match inner[digits..].chars().next() {
                Some(')') => {}
                None => return Err("balance random : missing closing parenthesis.".into()),
                Some(c) => {
                    return Err(format!(
                        "balance random : unexpected character '{c}' after argument."
                    ))
                }
            }
            if n < 1 {
                return Err("balance random : number of draws must be at least 1.".into());
            }
            draws = n.min(i64::from(u32::MAX)) as u32;
        }
    }
    set(b, Algo::Random { draws })
}

fn uri(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let args = cx.args();
    let (mut len, mut depth, mut whole, mut path_only) = (0, 0, false, false);
    let mut i = 1;
    while let Some(a) = args.get(i).map(String::as_str) {
        match a {
            "len" | "depth" => {
                let v = args.get(i + 1).map(String::as_str).unwrap_or_default();
                let n = atol(v) as i32;
                if v.is_empty() || n <= 0 {
                    return Err(format!("balance uri : '{a}' expects a positive integer (got '{v}')."));
                }
                if a == "len" {
                    len = n as u32;
                } else {
                    depth = n as u32;
                }
                i += 2;
            }
            "whole" => {
                whole = true;
                i += 1;
            }
            "path-only" => {
                path_only = true;
                i += 1;
            }
            _ => {
                return Err(format!(
                    "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '{a}')."
                ))
            }
        }
    }
    set(
        b,
        Algo::Uri {
            len,
            depth,
            whole,
            path_only,
        },
    )
}

fn url_param(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(name) = cx.arg(1) else {
        return Err("balance url_param requires an URL parameter name.".into());
    };
    let check_post = match cx.arg(2) {
        None => false,
        Some("check_post") => true,
        Some(other) => {
            return Err(format!(
                "balance url_param only accepts 'check_post' modifier (got '{other}')."
            ))
        }
    };
    set(
        b,
        Algo::UrlParam {
            name: name.to_string(),
            check_post,
        },
    )
}

fn hdr(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let word = cx.arg(0).unwrap_or_default();
    let Some(inner) = word.strip_prefix("hdr(") else {
        return Err("balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.".into());
    };
    let name = match inner.find(')') {
        Some(0) | None => return Err("balance hdr requires an http header field name.".into()),
        Some(end) => &inner[..end],
    };
    let use_domain_only = match cx.arg(1) {
        None => false,
        Some("use_domain_only") => true,
        Some(other) => {
            return Err(format!(
                "balance {word} only accepts 'use_domain_only' modifier (got '{other}')."
            ))
        }
    };
    set(
        b,
        Algo::Hdr {
            name: name.to_string(),
            use_domain_only,
        },
    )
}

fn rdp_cookie(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let word = cx.arg(0).unwrap_or_default();
    let rest = word.get(10..).unwrap_or_default();
    let name = if let Some(inner) = rest.strip_prefix('(') {
        match inner.find(')') {
            Some(0) | None => return Err("balance rdp-cookie : missing cookie name.".into()),
            Some(end) => inner[..end].to_string(),
        }
    } else if rest.is_empty() {
        "mstshash".to_string()
    } else {
        return Err("balance rdp-cookie : missing cookie name.".into());
    };
    set(b, Algo::RdpCookie { name })
}

/// `hash-type {map-based|consistent} [<function> [avalanche]]`.
pub(crate) fn hash_type(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    b.warn_not_cap(cx, Cap::Be, "hash-type", "");
    let t = match cx.arg(0).unwrap_or_default() {
        "consistent" => HashType::Consistent,
        "map-based" => HashType::MapBased,
        "avalanche" => {
            return Err("experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead.".into())
        }
        _ => return Err("'hash-type' only supports 'consistent' and 'map-based'.".into()),
    };
    let (f, aval) =
        match cx.arg(1) {
            None => (HashFn::Sdbm, t == HashType::Consistent),
            Some(name) => {
                let f = match name {
                "sdbm" => HashFn::Sdbm,
                "djb2" => HashFn::Djb2,
                "wt6" => HashFn::Wt6,
                "crc32" => HashFn::Crc32,
                _ => return Err(
                    "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions."
                        .into(),
                ),
            };
                match cx.arg(2) {
                    None => (f, false),
                    Some("avalanche") => (f, true),
                    Some(_) => return Err(
                        "'hash-type' only supports 'avalanche' as a modifier for hash functions."
                            .into(),
                    ),
                }
            }
        };
    let bal = &mut b.px().balance;
    bal.hash_type = t;
    bal.hash_fn = f;
    bal.avalanche = aval;
    Ok(())
}

/// `hash-balance-factor <factor>`.
pub(crate) fn hash_balance_factor(b: &mut ProxiesBuilder, cx: &mut Cx<'_>) -> Result<(), String> {
    let Some(v) = cx.arg(0) else {
        return Err("'hash-balance-factor' expects an integer argument.".into());
    };
    let n = atol(v) as i32;
    if n != 0 && n <= 100 {
        return Err("'hash-balance-factor' must be 0 or greater than 100.".into());
    }
    b.px().balance.hash_balance_factor = n as u32;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::*;

    fn algo(text: &str) -> Option<Algo> {
        let r = run(&format!("backend b\n mode http\n balance {text}\n"));
        r.valid()
            .then(|| r.proxy("b").balance.algo.clone())
            .flatten()
    }

    #[test]
    fn every_algorithm() {
        assert_eq!(algo("roundrobin"), Some(Algo::RoundRobin));
        assert_eq!(algo("static-rr"), Some(Algo::StaticRr));
        assert_eq!(algo("leastconn"), Some(Algo::LeastConn));
        assert_eq!(algo("source"), Some(Algo::Source));
        assert_eq!(algo("random"), Some(Algo::Random { draws: 2 }));
        assert_eq!(algo("random(5)"), Some(Algo::Random { draws: 5 }));
        assert_eq!(algo("random()"), Some(Algo::Random { draws: 2 }));
        assert_eq!(algo("random(0x3)"), Some(Algo::Random { draws: 3 }));
        assert_eq!(algo("randomly"), Some(Algo::Random { draws: 2 }));
        assert_eq!(
            algo("uri len 10 depth 2 whole path-only"),
            Some(Algo::Uri {
                len: 10,
                depth: 2,
                whole: true,
                path_only: true
            })
        );
        let r = run("backend b\n balance\n");
        assert_eq!(r.proxy("b").balance.algo, Some(Algo::RoundRobin));
    }

    #[test]
    fn algorithms_with_arguments() {
        assert_eq!(algo("first"), Some(Algo::First));
        assert_eq!(
            algo("url_param id check_post"),
            Some(Algo::UrlParam {
                name: "id".into(),
                check_post: true
            })
        );
        assert_eq!(
            algo("hdr(host) use_domain_only"),
            Some(Algo::Hdr {
                name: "host".into(),
                use_domain_only: true
            })
        );
        assert_eq!(
            algo("rdp-cookie"),
            Some(Algo::RdpCookie {
                name: "mstshash".into()
            })
        );
        assert_eq!(
            algo("rdp-cookie(user)"),
            Some(Algo::RdpCookie {
                name: "user".into()
            })
        );
        let r = run("backend b\n mode http\n balance url_param\n");
        assert!(r.has_alert("balance url_param requires an URL parameter name."));
    }

    #[test]
    fn algorithm_errors() {
        let cases = [
            ("foo", "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options."),
            ("random(0)", "balance random : number of draws must be at least 1."),
            ("random(3", "balance random : missing closing parenthesis."),
            ("random(3x)", "balance random : unexpected character 'x' after argument."),
            ("uri len 0", "balance uri : 'len' expects a positive integer (got '0')."),
            ("uri foo", "balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got 'foo')."),
            ("url_param", "balance url_param requires an URL parameter name."),
            ("url_param a b", "balance url_param only accepts 'check_post' modifier (got 'b')."),
            ("hdr()", "balance hdr requires an http header field name."),
            ("hdr(x) y", "balance hdr(x) only accepts 'use_domain_only' modifier (got 'y')."),
            ("rdp-cookie()", "balance rdp-cookie : missing cookie name."),
            ("hash req.hdr(x)", "'balance hash' is not supported yet"),
        ];
        for (text, msg) in cases {
            let r = run(&format!("backend b\n balance {text}\n"));
            assert!(r.has_alert(msg), "{text}");
        }
        let r = run("frontend f\n bind :80\n balance roundrobin\n");
        assert!(r.has_warning("'balance' ignored because frontend 'f' has no backend capability."));
    }

    #[test]
    fn hash_types() {
        let r = run("backend b\n hash-type consistent\n");
        let bal = &r.proxy("b").balance;
        assert_eq!(
            (bal.hash_type, bal.hash_fn, bal.avalanche),
            (HashType::Consistent, HashFn::Sdbm, true)
        );
        let r = run("backend b\n hash-type map-based crc32 avalanche\n");
        let bal = &r.proxy("b").balance;
        assert_eq!(
            (bal.hash_type, bal.hash_fn, bal.avalanche),
            (HashType::MapBased, HashFn::Crc32, true)
        );
        let r = run("backend b\n hash-type foo\n");
        assert!(r.has_alert("'hash-type' only supports 'consistent' and 'map-based'."));
        let r = run("backend b\n hash-type avalanche\n");
        assert!(r.has_alert("experimental feature 'hash-type avalanche' is not supported anymore, please use 'hash-type map-based sdbm avalanche' instead."));
        let r = run("backend b\n hash-type consistent md5\n");
        assert!(r.has_alert(
            "'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions."
        ));
        let r = run("backend b\n hash-type consistent wt6 foo\n");
        assert!(
            r.has_alert("'hash-type' only supports 'avalanche' as a modifier for hash functions.")
        );
        let r = run("backend b\n hash-balance-factor 50\n");
        assert!(r.has_alert("'hash-balance-factor' must be 0 or greater than 100."));
        let r = run("backend b\n hash-balance-factor 150\n");
        assert_eq!(r.proxy("b").balance.hash_balance_factor, 150);
    }
}
