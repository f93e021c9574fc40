//! The columns of `show stat` (management guide 9.1): HAProxy 2.6's fields 0..102 then
//! the statistics modules' columns (SSL, HTTP/2, HTTP/1) after the `-` separator, each
//! with the tags HAProxy's typed output gives it per object type (frontend, listener,
//! backend, server; `None`: HAProxy leaves it empty for that type).

use crate::field::{t, Tags, Ty};

/// One column.
pub struct Col {
    pub name: &'static str,
    /// Frontend, listener, backend, server.
    pub tags: [Option<(Tags, Ty)>; 4],
}

/// Columns 0..=102 are HAProxy's `stat_fields`; the rest are its modules' (the CSV
/// header puts `-` between them).
pub const MODULES_AT: usize = 103;

pub static COLS: &[Col] = &[
    Col {
        name: "pxname",
        tags: [
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
        ],
    },
    Col {
        name: "svname",
        tags: [
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
            Some((t(b"KNS"), Ty::Str)),
        ],
    },
    Col {
        name: "qcur",
        tags: [
            None,
            None,
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MGP"), Ty::U32)),
        ],
    },
    Col {
        name: "qmax",
        tags: [
            None,
            None,
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "scur",
        tags: [
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MGP"), Ty::U32)),
        ],
    },
    Col {
        name: "smax",
        tags: [
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "slim",
        tags: [
            Some((t(b"CLP"), Ty::U32)),
            Some((t(b"CLP"), Ty::U32)),
            Some((t(b"CLP"), Ty::U32)),
            Some((t(b"CLP"), Ty::U32)),
        ],
    },
    Col {
        name: "stot",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "bin",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "bout",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "dreq",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "dresp",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "ereq",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            None,
            None,
        ],
    },
    Col {
        name: "econ",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "eresp",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "wretr",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "wredis",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "status",
        tags: [
            Some((t(b"SGP"), Ty::Str)),
            Some((t(b"SGP"), Ty::Str)),
            Some((t(b"SGP"), Ty::Str)),
            Some((t(b"SGP"), Ty::Str)),
        ],
    },
    Col {
        name: "weight",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "act",
        tags: [
            None,
            None,
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"SGP"), Ty::U32)),
        ],
    },
    Col {
        name: "bck",
        tags: [
            None,
            None,
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"SGP"), Ty::U32)),
        ],
    },
    Col {
        name: "chkfail",
        tags: [None, None, None, Some((t(b"MCP"), Ty::U64))],
    },
    Col {
        name: "chkdown",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "lastchg",
        tags: [
            None,
            None,
            Some((t(b"MAP"), Ty::U32)),
            Some((t(b"MAP"), Ty::U32)),
        ],
    },
    Col {
        name: "downtime",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U32)),
            Some((t(b"MCP"), Ty::U32)),
        ],
    },
    Col {
        name: "qlimit",
        tags: [None, None, None, Some((t(b"CLP"), Ty::U32))],
    },
    Col {
        name: "pid",
        tags: [
            Some((t(b"KGP"), Ty::U32)),
            Some((t(b"KGP"), Ty::U32)),
            Some((t(b"KGP"), Ty::U32)),
            Some((t(b"KGP"), Ty::U32)),
        ],
    },
    Col {
        name: "iid",
        tags: [
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
        ],
    },
    Col {
        name: "sid",
        tags: [
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
            Some((t(b"KGS"), Ty::U32)),
        ],
    },
    Col {
        name: "throttle",
        tags: [None, None, None, Some((t(b"MaP"), Ty::U32))],
    },
    Col {
        name: "lbtot",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "tracked",
        tags: [None, None, None, Some((t(b"CGS"), Ty::Str))],
    },
    Col {
        name: "type",
        tags: [
            Some((t(b"CGS"), Ty::U32)),
            Some((t(b"CGS"), Ty::U32)),
            Some((t(b"CGS"), Ty::U32)),
            Some((t(b"CGS"), Ty::U32)),
        ],
    },
    Col {
        name: "rate",
        tags: [
            Some((t(b"MRP"), Ty::U32)),
            None,
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MRP"), Ty::U32)),
        ],
    },
    Col {
        name: "rate_lim",
        tags: [Some((t(b"CLP"), Ty::U32)), None, None, None],
    },
    Col {
        name: "rate_max",
        tags: [
            Some((t(b"MMP"), Ty::U32)),
            None,
            Some((t(b"MGP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "check_status",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "check_code",
        tags: [None, None, None, Some((t(b"MOP"), Ty::U32))],
    },
    Col {
        name: "check_duration",
        tags: [None, None, None, Some((t(b"MDP"), Ty::U64))],
    },
    Col {
        name: "hrsp_1xx",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hrsp_2xx",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hrsp_3xx",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hrsp_4xx",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hrsp_5xx",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hrsp_other",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "hanafail",
        tags: [None, None, None, Some((t(b"MCP"), Ty::U64))],
    },
    Col {
        name: "req_rate",
        tags: [Some((t(b"MRP"), Ty::U32)), None, None, None],
    },
    Col {
        name: "req_rate_max",
        tags: [Some((t(b"MMP"), Ty::U32)), None, None, None],
    },
    Col {
        name: "req_tot",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "cli_abrt",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "srv_abrt",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "comp_in",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "comp_out",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "comp_byp",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "comp_rsp",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "lastsess",
        tags: [
            None,
            None,
            Some((t(b"MAP"), Ty::S32)),
            Some((t(b"MAP"), Ty::S32)),
        ],
    },
    Col {
        name: "last_chk",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "last_agt",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "qtime",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "ctime",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "rtime",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "ttime",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "agent_status",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "agent_code",
        tags: [None, None, None, Some((t(b"MOP"), Ty::U32))],
    },
    Col {
        name: "agent_duration",
        tags: [None, None, None, Some((t(b"MDP"), Ty::U64))],
    },
    Col {
        name: "check_desc",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "agent_desc",
        tags: [None, None, None, Some((t(b"MOP"), Ty::Str))],
    },
    Col {
        name: "check_rise",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "check_fall",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "check_health",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "agent_rise",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "agent_fall",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "agent_health",
        tags: [None, None, None, Some((t(b"CGS"), Ty::U32))],
    },
    Col {
        name: "addr",
        tags: [
            None,
            Some((t(b"CGS"), Ty::Str)),
            None,
            Some((t(b"CGS"), Ty::Str)),
        ],
    },
    Col {
        name: "cookie",
        tags: [
            None,
            None,
            Some((t(b"CGS"), Ty::Str)),
            Some((t(b"CGS"), Ty::Str)),
        ],
    },
    Col {
        name: "mode",
        tags: [
            Some((t(b"CGS"), Ty::Str)),
            Some((t(b"CGS"), Ty::Str)),
            Some((t(b"CGS"), Ty::Str)),
            Some((t(b"CGS"), Ty::Str)),
        ],
    },
    Col {
        name: "algo",
        tags: [None, None, Some((t(b"CGS"), Ty::Str)), None],
    },
    Col {
        name: "conn_rate",
        tags: [Some((t(b"MRP"), Ty::U32)), None, None, None],
    },
    Col {
        name: "conn_rate_max",
        tags: [Some((t(b"MMP"), Ty::U32)), None, None, None],
    },
    Col {
        name: "conn_tot",
        tags: [Some((t(b"MCP"), Ty::U64)), None, None, None],
    },
    Col {
        name: "intercepted",
        tags: [Some((t(b"MCP"), Ty::U64)), None, None, None],
    },
    Col {
        name: "dcon",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            None,
            None,
        ],
    },
    Col {
        name: "dses",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            None,
            None,
        ],
    },
    Col {
        name: "wrew",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "connect",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "reuse",
        tags: [
            None,
            None,
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "cache_lookups",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "cache_hits",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "srv_icur",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "src_ilim",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "qtime_max",
        tags: [
            None,
            None,
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "ctime_max",
        tags: [
            None,
            None,
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "rtime_max",
        tags: [
            None,
            None,
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "ttime_max",
        tags: [
            None,
            None,
            Some((t(b"MMP"), Ty::U32)),
            Some((t(b"MMP"), Ty::U32)),
        ],
    },
    Col {
        name: "eint",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "idle_conn_cur",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "safe_conn_cur",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "used_conn_cur",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "need_conn_est",
        tags: [None, None, None, Some((t(b"MGP"), Ty::U32))],
    },
    Col {
        name: "uweight",
        tags: [
            None,
            None,
            Some((t(b"MaP"), Ty::U32)),
            Some((t(b"MaP"), Ty::U32)),
        ],
    },
    Col {
        name: "agg_server_status",
        tags: [None, None, Some((t(b"MGP"), Ty::U32)), None],
    },
    Col {
        name: "agg_server_check_status",
        tags: [None, None, Some((t(b"MGP"), Ty::U32)), None],
    },
    Col {
        name: "agg_check_status",
        tags: [None, None, Some((t(b"MGP"), Ty::U32)), None],
    },
    Col {
        name: "ssl_sess",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "ssl_reused_sess",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "ssl_failed_handshake",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
            Some((t(b"MCP"), Ty::U64)),
        ],
    },
    Col {
        name: "h2_headers_rcvd",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_data_rcvd",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_settings_rcvd",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_rst_stream_rcvd",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_goaway_rcvd",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_detected_conn_protocol_errors",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_detected_strm_protocol_errors",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_rst_stream_resp",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_goaway_resp",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_open_connections",
        tags: [
            Some((t(b"MGP"), Ty::U64)),
            None,
            Some((t(b"MGP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_backend_open_streams",
        tags: [
            Some((t(b"MGP"), Ty::U64)),
            None,
            Some((t(b"MGP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_total_connections",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h2_backend_total_streams",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_open_connections",
        tags: [
            Some((t(b"MGP"), Ty::U64)),
            None,
            Some((t(b"MGP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_open_streams",
        tags: [
            Some((t(b"MGP"), Ty::U64)),
            None,
            Some((t(b"MGP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_total_connections",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_total_streams",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_bytes_in",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_bytes_out",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_spliced_bytes_in",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
    Col {
        name: "h1_spliced_bytes_out",
        tags: [
            Some((t(b"MCP"), Ty::U64)),
            None,
            Some((t(b"MCP"), Ty::U64)),
            None,
        ],
    },
];
