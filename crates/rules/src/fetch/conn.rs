//! Layer 5 fetches that do not need TLS (manual 7.3.4): the multiplexer's HTTP
//! version, connection error codes and their texts, and what a PROXY header carried.

use super::place::{Src, Uses};
use super::{def, spec, uses, FetchDef};
use crate::sample::{SmpType as T, Value};
use crate::stream::Stream;

const L4CLI: Uses = uses(&[Src::L4cli]);
const L4SRV: Uses = uses(&[Src::L4srv]);

pub(super) static FETCHES: &[FetchDef] = &[
    def("fc_http_major", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        Some(Value::Sint(s.env.http_major(false)?))
    }),
    def("bc_http_major", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        Some(Value::Sint(s.env.http_major(true)?))
    }),
    def("fc_err", spec(&[], 0), T::Sint, L4CLI, |s, _, _| {
        err(s, false)
    }),
    def("bc_err", spec(&[], 0), T::Sint, L4SRV, |s, _, _| {
        err(s, true)
    }),
    def("fc_err_str", spec(&[], 0), T::Str, L4CLI, |s, _, _| {
        err_str(s, false)
    }),
    def("bc_err_str", spec(&[], 0), T::Str, L4SRV, |s, _, _| {
        err_str(s, true)
    }),
    def("fc_rcvd_proxy", spec(&[], 0), T::Bool, L4CLI, |s, _, _| {
        Some(Value::Bool(s.env.rcvd_proxy()?))
    }),
    def("fc_pp_authority", spec(&[], 0), T::Str, L4CLI, |s, _, _| {
        Some(Value::str(s.env.proxy_authority()?))
    }),
    def("fc_pp_unique_id", spec(&[], 0), T::Str, L4CLI, |s, _, _| {
        Some(Value::str(s.env.proxy_unique_id()?))
    }),
];

fn err<'a>(s: &Stream<'a>, server_side: bool) -> Option<Value<'a>> {
    Some(Value::Sint(i64::from(s.env.conn_error(server_side)?)))
}

fn err_str<'a>(s: &Stream<'a>, server_side: bool) -> Option<Value<'a>> {
    let code = s.env.conn_error(server_side)?;
    Some(Value::str(conn_err_str(code)?.as_bytes()))
}

/// The text of a connection error code (HAProxy's `CO_ER_*` numbering, which `fc_err`
/// reports and the manual documents for `fc_err_str`).
pub fn conn_err_str(code: u32) -> Option<&'static str> {
    CONN_ERRORS.get(usize::try_from(code).ok()?).copied()
}

const CONN_ERRORS: [&str; 44] = [
    "Success",
    "Reached configured maxconn value",
    "Too many sockets on the process",
    "Too many sockets on the system",
    "Out of system buffers",
    "Protocol or address family not supported",
    "General socket error",
    "Source port range exhausted",
    "Can't bind to source address",
    "Out of local source ports on the system",
    "Local source address already in use",
    "Connection closed while waiting for PROXY protocol header",
    "Connection error while waiting for PROXY protocol header",
    "Timeout while waiting for PROXY protocol header",
    "Truncated PROXY protocol header received",
    "Received something which does not look like a PROXY protocol header",
    "Received an invalid PROXY protocol header",
    "Received an unhandled protocol in the PROXY protocol header",
    "Connection closed while waiting for NetScaler Client IP header",
    "Connection error while waiting for NetScaler Client IP header",
    "Timeout while waiting for a NetScaler Client IP header",
    "Truncated NetScaler Client IP header received",
    "Received an invalid NetScaler Client IP magic number",
    "Received an unhandled protocol in the NetScaler Client IP header",
    "Connection closed during SSL handshake",
    "Connection error during SSL handshake",
    "Timeout during SSL handshake",
    "Too many SSL connections",
    "Out of memory when initializing an SSL connection",
    "Rejected a client-initiated SSL renegotiation attempt",
    "SSL client CA chain cannot be verified",
    "SSL client certificate not trusted",
    "Server presented an SSL certificate different from the configured one",
    "Server presented an SSL certificate different from the expected one",
    "SSL handshake failure",
    "SSL handshake failure after heartbeat",
    "Stopped a TLSv1 heartbeat attack (CVE-2014-0160)",
    "Attempt to use SSL on an unknown target (internal error)",
    "Server refused early data",
    "SOCKS4 Proxy write error during handshake",
    "SOCKS4 Proxy read error during handshake",
    "SOCKS4 Proxy deny the request",
    "SOCKS4 Proxy handshake aborted by server",
    "SSL fatal error",
];
