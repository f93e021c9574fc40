//! ACL keywords (manual 7.3, the `*_beg`, `*_sub`… forms) and HAProxy's predefined ACLs
//! (manual 7.4). An ACL keyword is a fetch with a default matching method; any other
//! fetch used as a criterion matches according to its output type.

pub use crate::pattern::Method as Match;

/// A special pattern parser or matcher an ACL keyword uses instead of its method's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    None,
    /// `method`: patterns are method names, matched against the method sample.
    Method,
    /// `req.ssl_ver`: patterns are dotted versions (`3.1`).
    DottedVersion,
    /// `http_auth_group`: patterns are group names of the user list.
    AuthGroup,
}

/// One ACL keyword: name, the fetch it reads, its default matching method.
#[derive(Clone, Copy, Debug)]
pub struct AclKw {
    pub name: &'static str,
    pub fetch: &'static str,
    pub method: Match,
    pub special: Special,
}

const fn kw(name: &'static str, fetch: &'static str, method: Match) -> AclKw {
    AclKw {
        name,
        fetch,
        method,
        special: Special::None,
    }
}

/// The eight derived forms of a string fetch.
macro_rules! family {
    ($base:literal, $fetch:literal) => {
        [
            kw($base, $fetch, Match::Str),
            kw(concat!($base, "_beg"), $fetch, Match::Beg),
            kw(concat!($base, "_dir"), $fetch, Match::Dir),
            kw(concat!($base, "_dom"), $fetch, Match::Dom),
            kw(concat!($base, "_end"), $fetch, Match::End),
            kw(concat!($base, "_len"), $fetch, Match::Len),
            kw(concat!($base, "_reg"), $fetch, Match::Reg),
            kw(concat!($base, "_sub"), $fetch, Match::Sub),
        ]
    };
}

const BASE: [AclKw; 8] = family!("base", "base");
const COOK: [AclKw; 8] = family!("cook", "req.cook");
const HDR: [AclKw; 8] = family!("hdr", "req.hdr");
const PATH: [AclKw; 8] = family!("path", "path");
const SCOOK: [AclKw; 8] = family!("scook", "res.cook");
const SHDR: [AclKw; 8] = family!("shdr", "res.hdr");
const URL: [AclKw; 8] = family!("url", "url");
const URLP: [AclKw; 8] = family!("urlp", "urlp");

const OTHERS: [AclKw; 13] = [
    AclKw {
        special: Special::AuthGroup,
        ..kw("http_auth_group", "http_auth_group", Match::Str)
    },
    AclKw {
        special: Special::Method,
        ..kw("method", "method", Match::Str)
    },
    kw("req_ver", "req.ver", Match::Str),
    kw("resp_ver", "res.ver", Match::Str),
    kw("payload", "req.payload", Match::Bin),
    kw("payload_lv", "req.payload_lv", Match::Bin),
    kw("req_rdp_cookie", "req.rdp_cookie", Match::Str),
    kw("req_rdp_cookie_cnt", "req.rdp_cookie_cnt", Match::Int),
    kw("req_ssl_sni", "req.ssl_sni", Match::Str),
    AclKw {
        special: Special::DottedVersion,
        ..kw("req_ssl_ver", "req.ssl_ver", Match::Int)
    },
    AclKw {
        special: Special::DottedVersion,
        ..kw("req.ssl_ver", "req.ssl_ver", Match::Int)
    },
    kw("ssl_fc_sni_end", "ssl_fc_sni", Match::End),
    kw("ssl_fc_sni_reg", "ssl_fc_sni", Match::Reg),
];

const TABLES: [&[AclKw]; 9] = [
    &BASE, &COOK, &HDR, &PATH, &SCOOK, &SHDR, &URL, &URLP, &OTHERS,
];

/// The ACL keyword named `name`.
pub fn find(name: &str) -> Option<&'static AclKw> {
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|k| k.name == name)
}

/// HAProxy's predefined ACLs: name and the words of their definition.
pub const PREDEFINED: &[(&str, &[&str])] = &[
    ("TRUE", &["always_true"]),
    ("FALSE", &["always_false"]),
    ("LOCALHOST", &["src", "127.0.0.1/8", "::1"]),
    ("HTTP", &["req.proto_http"]),
    ("HTTP_1.0", &["req.ver", "1.0"]),
    ("HTTP_1.1", &["req.ver", "1.1"]),
    ("HTTP_2.0", &["req.ver", "2.0"]),
    ("METH_CONNECT", &["method", "CONNECT"]),
    ("METH_DELETE", &["method", "DELETE"]),
    ("METH_GET", &["method", "GET", "HEAD"]),
    ("METH_HEAD", &["method", "HEAD"]),
    ("METH_OPTIONS", &["method", "OPTIONS"]),
    ("METH_POST", &["method", "POST"]),
    ("METH_PUT", &["method", "PUT"]),
    ("METH_TRACE", &["method", "TRACE"]),
    ("HTTP_URL_ABS", &["url_reg", "^[^/:]*://"]),
    ("HTTP_URL_SLASH", &["url_beg", "/"]),
    ("HTTP_URL_STAR", &["url", "*"]),
    ("HTTP_CONTENT", &["req.hdr_val(content-length)", "gt", "0"]),
    ("RDP_COOKIE", &["req.rdp_cookie_cnt", "gt", "0"]),
    ("REQ_CONTENT", &["req.len", "gt", "0"]),
    ("WAIT_END", &["wait_end"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keywords_name_their_fetch_and_method() {
        let k = find("hdr_dom").unwrap();
        assert_eq!((k.fetch, k.method), ("req.hdr", Match::Dom));
        assert_eq!(find("path_beg").unwrap().method, Match::Beg);
        assert_eq!(find("method").unwrap().special, Special::Method);
        assert!(find("path_nope").is_none());
    }
}
