//! `show info` (management guide 9.3): HAProxy 2.6's process fields in their order, with
//! the tags of its typed output, and their values from the running process.

use crate::field::{t, Field, Tags, Ty, Val};

/// The fields: name, tags, type.
pub static FIELDS: &[(&str, Tags, Ty)] = &[
    ("Name", t(b"POS"), Ty::Str),
    ("Version", t(b"POS"), Ty::Str),
    ("Release_date", t(b"POS"), Ty::Str),
    ("Nbthread", t(b"CGS"), Ty::U32),
    ("Nbproc", t(b"CGS"), Ty::U32),
    ("Process_num", t(b"KGP"), Ty::U32),
    ("Pid", t(b"SGP"), Ty::U32),
    ("Uptime", t(b"MDP"), Ty::Str),
    ("Uptime_sec", t(b"MDP"), Ty::U32),
    ("Memmax_MB", t(b"CLP"), Ty::U32),
    ("PoolAlloc_MB", t(b"MGP"), Ty::U32),
    ("PoolUsed_MB", t(b"MGP"), Ty::U32),
    ("PoolFailed", t(b"MCP"), Ty::U32),
    ("Ulimit-n", t(b"CLP"), Ty::U32),
    ("Maxsock", t(b"CLP"), Ty::U32),
    ("Maxconn", t(b"CLP"), Ty::U32),
    ("Hard_maxconn", t(b"CLP"), Ty::U32),
    ("CurrConns", t(b"MGP"), Ty::U32),
    ("CumConns", t(b"MCP"), Ty::U32),
    ("CumReq", t(b"MCP"), Ty::U32),
    ("MaxSslConns", t(b"MMP"), Ty::U32),
    ("CurrSslConns", t(b"MGP"), Ty::U32),
    ("CumSslConns", t(b"MCP"), Ty::U32),
    ("Maxpipes", t(b"CLP"), Ty::U32),
    ("PipesUsed", t(b"MGP"), Ty::U32),
    ("PipesFree", t(b"MGP"), Ty::U32),
    ("ConnRate", t(b"MRP"), Ty::U32),
    ("ConnRateLimit", t(b"CLP"), Ty::U32),
    ("MaxConnRate", t(b"MMP"), Ty::U32),
    ("SessRate", t(b"MRP"), Ty::U32),
    ("SessRateLimit", t(b"CLP"), Ty::U32),
    ("MaxSessRate", t(b"MRP"), Ty::U32),
    ("SslRate", t(b"MRP"), Ty::U32),
    ("SslRateLimit", t(b"CLP"), Ty::U32),
    ("MaxSslRate", t(b"MMP"), Ty::U32),
    ("SslFrontendKeyRate", t(b"MGP"), Ty::U32),
    ("SslFrontendMaxKeyRate", t(b"MMP"), Ty::U32),
    ("SslFrontendSessionReuse_pct", t(b"MGP"), Ty::U32),
    ("SslBackendKeyRate", t(b"MRP"), Ty::U32),
    ("SslBackendMaxKeyRate", t(b"MMP"), Ty::U32),
    ("SslCacheLookups", t(b"MCP"), Ty::U32),
    ("SslCacheMisses", t(b"MCP"), Ty::U32),
    ("CompressBpsIn", t(b"MRP"), Ty::U32),
    ("CompressBpsOut", t(b"MRP"), Ty::U32),
    ("CompressBpsRateLim", t(b"CLP"), Ty::U32),
    ("ZlibMemUsage", t(b"MGP"), Ty::U32),
    ("MaxZlibMemUsage", t(b"CLP"), Ty::U32),
    ("Tasks", t(b"MGP"), Ty::U32),
    ("Run_queue", t(b"MGP"), Ty::U32),
    ("Idle_pct", t(b"MaP"), Ty::U32),
    ("node", t(b"COS"), Ty::Str),
    ("description", t(b"COS"), Ty::Str),
    ("Stopping", t(b"MGP"), Ty::U32),
    ("Jobs", t(b"MGP"), Ty::U32),
    ("Unstoppable Jobs", t(b"MGP"), Ty::U32),
    ("Listeners", t(b"MGP"), Ty::U32),
    ("ActivePeers", t(b"MGP"), Ty::U32),
    ("ConnectedPeers", t(b"MGP"), Ty::U32),
    ("DroppedLogs", t(b"MGP"), Ty::U32),
    ("BusyPolling", t(b"MGP"), Ty::U32),
    ("FailedResolutions", t(b"MGP"), Ty::U32),
    ("TotalBytesOut", t(b"MGP"), Ty::U64),
    ("TotalSplicdedBytesOut", t(b"MGP"), Ty::U64),
    ("BytesOutRate", t(b"MRP"), Ty::U64),
    ("DebugCommandsIssued", t(b"MGP"), Ty::U32),
    ("CumRecvLogs", t(b"MCP"), Ty::U32),
    ("Build info", t(b"POS"), Ty::Str),
    ("Memmax_bytes", t(b"CLP"), Ty::U32),
    ("PoolAlloc_bytes", t(b"MGP"), Ty::U64),
    ("PoolUsed_bytes", t(b"MGP"), Ty::U64),
    ("Start_time_sec", t(b"MDP"), Ty::U32),
    ("Tainted", t(b"SGP"), Ty::Str),
];

/// What `show info` reads that the runtime does not hold.
#[derive(Debug)]
pub struct Process {
    pub start: std::time::Instant,
    /// Seconds since the epoch at start-up.
    pub start_epoch: u64,
    pub pid: u32,
    pub nofile: u64,
    pub maxsock: u64,
    pub maxpipes: u32,
    pub node: String,
    pub description: Option<String>,
    pub version: String,
    pub release_date: &'static str,
    /// Listeners of the process (the proxies' and the CLI's).
    pub listeners: usize,
    /// Connections accepted on the CLI sockets.
    pub cli_conns: std::sync::atomic::AtomicU64,
    /// The last `Idle_pct` sample: when, and the workers' idle nanoseconds then.
    pub idle_sample: std::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

/// `Idle_pct`: the share of the time the workers waited for events, since the previous
/// sample (at least a second ago; since the start the first time), as HAProxy reports
/// its threads' idle ratio.
fn idle_pct(p: &Process, nbthread: usize) -> u64 {
    let now = std::time::Instant::now();
    let idle = rampart_proxy::activity::idle_ns();
    let mut last = p.idle_sample.lock().unwrap_or_else(|e| e.into_inner());
    let (t0, i0) = last.unwrap_or((p.start, 0));
    let wall = now.duration_since(t0).as_nanos() as f64 * nbthread.max(1) as f64;
    if now.duration_since(t0) >= std::time::Duration::from_secs(1) || last.is_none() {
        *last = Some((now, idle));
    }
    if wall <= 0.0 {
        return 100;
    }
    (((idle.saturating_sub(i0)) as f64 / wall) * 100.0)
        .round()
        .clamp(0.0, 100.0) as u64
}

/// HAProxy's `Uptime` text: `0d 0h00m26s`.
pub fn uptime_text(secs: u64) -> String {
    format!(
        "{}d {}h{:02}m{:02}s",
        secs / 86400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The fields with their values now (empty ones are skipped by every output).
pub fn fields(
    p: &Process,
    rt: &rampart_proxy::state::Runtime,
    ctl: &rampart_proxy::Control,
) -> Vec<Field> {
    use std::sync::atomic::Ordering::Relaxed;
    let up = p.start.elapsed().as_secs();
    let fe_sum = |f: &dyn Fn(&rampart_proxy::state::ProxyCounters) -> u64| -> u64 {
        rt.frontends.iter().map(|fe| f(&fe.counters)).sum()
    };
    let cum_conns = rt.process.conns.load(Relaxed) + p.cli_conns.load(Relaxed);
    let bytes_out = fe_sum(&|c| c.bytes_out.load(Relaxed));
    let cur = u64::from(ctl.actconn.load(Relaxed));
    let int = |n: u64| Val::Int(n.min(i64::MAX as u64) as i64);
    let pipes_used = rampart_net::splice::pipes_in_use() as u64;
    FIELDS
        .iter()
        .enumerate()
        .map(|(pos, &(name, tags, ty))| {
            let val = match name {
                "Name" => Val::Str("HAProxy".into()),
                "Version" | "Build info" => Val::Str(p.version.clone().into()),
                "Release_date" => Val::Str(p.release_date.into()),
                "Nbthread" => int(rt.nbthread as u64),
                "Nbproc" | "Process_num" => int(1),
                "Pid" => int(u64::from(p.pid)),
                "Uptime" => Val::Str(uptime_text(up).into()),
                "Uptime_sec" => int(up),
                "Ulimit-n" => int(p.nofile),
                "Maxsock" => int(p.maxsock),
                "Maxconn" | "Hard_maxconn" => int(u64::from(rt.maxconn)),
                "CurrConns" => int(cur),
                "CumConns" => int(cum_conns),
                "Maxpipes" => int(u64::from(p.maxpipes)),
                "PipesUsed" => int(pipes_used),
                "ConnRate" => int(u64::from(rt.conn_rate.read())),
                "ConnRateLimit" => int(u64::from(rt.maxconnrate)),
                "SessRate" => int(u64::from(rt.sess_rate.read())),
                "SessRateLimit" => int(u64::from(rt.maxsessrate)),
                "MaxConnRate" => int(u64::from(rt.process.cps_max.load(Relaxed))),
                "MaxSessRate" => int(u64::from(rt.process.sps_max.load(Relaxed))),
                "CumReq" => int(u64::from(rampart_proxy::logs::streams())),
                "node" => Val::Str(p.node.clone().into()),
                "description" => match &p.description {
                    Some(d) if !d.is_empty() => Val::Str(d.clone().into()),
                    _ => Val::Empty,
                },
                "Stopping" => int(u64::from(ctl.is_stopping())),
                "Jobs" => int(cur + p.listeners as u64),
                "Listeners" => int(p.listeners as u64),
                "DroppedLogs" => int(rampart_log::dropped()),
                "TotalBytesOut" => int(bytes_out),
                "Start_time_sec" => int(p.start_epoch),
                "Tainted" => Val::Str("0".into()),
                "Idle_pct" => int(idle_pct(p, rt.nbthread)),
                // Not measured by Rampart: zlib is not built in (HAProxy leaves these
                // empty too without it).
                "ZlibMemUsage" | "MaxZlibMemUsage" => Val::Empty,
                _ => int(0),
            };
            Field {
                pos,
                name,
                tags,
                ty,
                val,
            }
        })
        .collect()
}
