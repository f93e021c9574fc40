//! Where a sample may be used (HAProxy's `SMP_SRC_*` / `SMP_CKP_*`): each fetch
//! declares the sources of information it reads, each rule set is a checkpoint, and a
//! fixed table says which sources exist at which checkpoint. Using a fetch where its
//! information does not exist is a configuration error (in actions) or a warning (in
//! ACLs), with HAProxy's wording.

/// The information a fetch reads (`SMP_SRC_*`), in HAProxy's bit order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Src {
    Const,
    Intrn,
    Listn,
    Ftend,
    L4cli,
    L5cli,
    Track,
    L6req,
    Hrqhv,
    Hrqhp,
    Hrqbo,
    Bkend,
    Servr,
    L4srv,
    L5srv,
    L6res,
    Hrshv,
    Hrshp,
    Hrsbo,
    Rqfin,
    Rsfin,
    Txfin,
    Ssfin,
}

/// A set of sources.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses(pub u32);

impl Uses {
    pub const fn of(srcs: &[Src]) -> Uses {
        let mut m = 0u32;
        let mut i = 0;
        while i < srcs.len() {
            m |= 1 << srcs[i] as u8;
            i += 1;
        }
        Uses(m)
    }

    pub const fn union(self, o: Uses) -> Uses {
        Uses(self.0 | o.0)
    }

    pub fn contains(self, s: Src) -> bool {
        self.0 & (1 << s as u8) != 0
    }

    /// Every checkpoint where all of these sources are available, HAProxy's way: a
    /// fetch is valid wherever *any* of its sources is (`sample_register_fetches` ORs
    /// the capabilities of each source).
    pub fn valid_at(self) -> Places {
        let mut v = 0u32;
        for (bit, cap) in CAPS.iter().enumerate() {
            if self.0 & (1 << bit) != 0 {
                v |= cap;
            }
        }
        Places(v)
    }

    /// The names of the sources, comma-separated (`sample_src_names`).
    pub fn names(self) -> String {
        let mut out = String::new();
        for (bit, name) in SRC_NAMES.iter().enumerate() {
            if self.0 & (1 << bit) != 0 {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(name);
            }
        }
        out
    }
}

/// The rule sets, in HAProxy's order (`SMP_CKP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Ckp {
    FeConAcc,
    FeSesAcc,
    FeReqCnt,
    FeHrqHdr,
    FeHrqBdy,
    FeSetBck,
    BeReqCnt,
    BeHrqHdr,
    BeHrqBdy,
    BeSetSrv,
    BeSrvCon,
    BeResCnt,
    BeHrsHdr,
    BeHrsBdy,
    BeStoRul,
    FeResCnt,
    FeHrsHdr,
    FeHrsBdy,
    FeLogEnd,
    BeChkRul,
    CfgParser,
    CliParser,
}

impl Ckp {
    /// HAProxy's name for the place (`sample_ckp_names`).
    pub fn name(self) -> &'static str {
        CKP_NAMES[self as usize]
    }
}

/// A set of checkpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Places(pub u32);

impl Places {
    pub fn contains(self, c: Ckp) -> bool {
        self.0 & (1 << c as u8) != 0
    }
    /// The set holding only `c`.
    pub fn of(c: Ckp) -> Places {
        Places(1 << c as u8)
    }
    /// This set and `c`.
    pub fn with(self, c: Ckp) -> Places {
        Places(self.0 | 1 << c as u8)
    }
    /// True when the two sets share a place.
    pub fn meets(self, other: Places) -> bool {
        self.0 & other.0 != 0
    }
    /// HAProxy's name for the first place of the set (`sample_ckp_names`).
    pub fn first_name(self) -> &'static str {
        (0..CKP_NAMES.len())
            .find(|&b| self.0 & (1 << b) != 0)
            .map_or("unknown sample check place, please report this bug", |b| {
                CKP_NAMES[b]
            })
    }
}

const SRC_NAMES: [&str; 23] = [
    "",
    "internal state",
    "listener",
    "frontend",
    "client address",
    "client-side connection",
    "track counters",
    "request buffer",
    "HTTP request headers",
    "HTTP request",
    "HTTP request body",
    "backend",
    "server",
    "server address",
    "server-side connection",
    "response buffer",
    "HTTP response headers",
    "HTTP response",
    "HTTP response body",
    "request buffer statistics",
    "response buffer statistics",
    "transaction statistics",
    "session statistics",
];

const CKP_NAMES: [&str; 22] = [
    "frontend tcp-request connection rule",
    "frontend tcp-request session rule",
    "frontend tcp-request content rule",
    "frontend http-request header rule",
    "frontend http-request body rule",
    "frontend use-backend rule",
    "backend tcp-request content rule",
    "backend http-request header rule",
    "backend http-request body rule",
    "backend use-server, balance or stick-match rule",
    "server source selection",
    "backend tcp-response content rule",
    "backend http-response header rule",
    "backend http-response body rule",
    "backend stick-store rule",
    "frontend tcp-response content rule",
    "frontend http-response header rule",
    "frontend http-response body rule",
    "logs",
    "backend tcp-check rule",
    "configuration parser",
    "CLI parser",
];

/// Builds a checkpoint mask from a picture: one character per checkpoint in `Ckp`
/// order, `x` where the source is available.
const fn caps(picture: &[u8; 22]) -> u32 {
    let mut m = 0u32;
    let mut i = 0;
    while i < 22 {
        if picture[i] == b'x' {
            m |= 1 << i;
        }
        i += 1;
    }
    m
}

// Columns: FeConAcc FeSesAcc FeReqCnt FeHrqHdr FeHrqBdy FeSetBck | BeReqCnt BeHrqHdr
// BeHrqBdy BeSetSrv BeSrvCon | BeResCnt BeHrsHdr BeHrsBdy BeStoRul | FeResCnt FeHrsHdr
// FeHrsBdy FeLogEnd | BeChkRul CfgParser CliParser.
const CAPS: [u32; 23] = [
    caps(b"xxxxxxxxxxxxxxxxxxxxxx"), // Const
    caps(b"xxxxxxxxxxxxxxxxxxxx.x"), // Intrn
    caps(b"xxxxxxxxxxxxxxxxxxx..."), // Listn
    caps(b"xxxxxxxxxxxxxxxxxxx..."), // Ftend
    caps(b"xxxxxxxxxxxxxxxxxxxx.."), // L4cli
    caps(b".xxxxxxxxxxxxxxxxxx..."), // L5cli
    caps(b"xxxxxxxxxxxxxxxxxxx..."), // Track
    caps(b"..xxxxxxxxx..........."), // L6req
    caps(b"..xxxxxxxxx..........."), // Hrqhv
    caps(b"..xxxxxxxxxxxxxxxxx..."), // Hrqhp
    caps(b"....xxxxxxx..........."), // Hrqbo
    caps(b"......xxxxxxxxxxxxxx.."), // Bkend
    caps(b"..........xxxxxxxxxx.."), // Servr
    caps(b"...........xxxxxxxxx.."), // L4srv
    caps(b"...........xxxxxxxxx.."), // L5srv
    caps(b"...........xxxxxxx.x.."), // L6res
    caps(b"...........xxxxxxx.x.."), // Hrshv
    caps(b"...........xxxxxxxxx.."), // Hrshp
    caps(b".............xxxxx.x.."), // Hrsbo
    caps(b"..................x..."), // Rqfin
    caps(b"..................x..."), // Rsfin
    caps(b"..................x..."), // Txfin
    caps(b"..................x..."), // Ssfin
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_headers_are_not_available_at_connection_accept() {
        let u = Uses::of(&[Src::Hrqhv]);
        assert!(!u.valid_at().contains(Ckp::FeConAcc));
        assert!(u.valid_at().contains(Ckp::FeHrqHdr));
        assert!(!u.valid_at().contains(Ckp::FeHrsHdr));
        assert_eq!(u.names(), "HTTP request headers");
    }

    #[test]
    fn response_headers_exist_only_on_the_response_path() {
        let p = Uses::of(&[Src::Hrshv]).valid_at();
        assert!(p.contains(Ckp::BeHrsHdr) && p.contains(Ckp::FeHrsHdr));
        assert!(!p.contains(Ckp::FeHrqHdr) && !p.contains(Ckp::FeLogEnd));
        assert_eq!(Ckp::FeHrqHdr.name(), "frontend http-request header rule");
    }

    #[test]
    fn internal_state_is_not_available_to_the_configuration_parser() {
        let p = Uses::of(&[Src::Intrn]).valid_at();
        assert!(!p.contains(Ckp::CfgParser) && p.contains(Ckp::CliParser));
        assert!(Uses::of(&[Src::Const]).valid_at().contains(Ckp::CfgParser));
    }
}
