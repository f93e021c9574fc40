//! Converters (configuration manual 7.3.1): the table of every converter Rampart knows,
//! with its arguments, input and output types, and the functions of those that need
//! nothing but their input and arguments or the stream's variables. Every other converter
//! HAProxy 2.6 registers is listed in [`NOT_YET`] with what it waits for (stick tables...), so a
//! configuration using one is told "not supported yet" rather than "unknown converter".
//!
//! Outputs that HAProxy builds in a buffer of `tune.bufsize` bytes are bounded the same
//! way ([`Cx::bufsize`]), so a long input gives the same (truncated or refused) result.

mod addr;
mod arith;
mod encode;
mod fix;
mod hash;
mod http;
mod json;
mod mqtt;
mod protobuf;
mod regsub;
mod string;
pub mod time;
mod vars;

use crate::args::{Arg, ArgSpec, ArgType};
use crate::sample::{SmpType, Value};
use crate::stream::{NoEnv, Stream};
use std::borrow::Cow;

/// What a converter may use besides its input and arguments.
#[derive(Clone, Copy, Debug)]
pub struct Cx {
    /// HAProxy's trash buffers are `tune.bufsize` bytes.
    pub bufsize: usize,
}

impl Default for Cx {
    fn default() -> Self {
        Cx { bufsize: 16384 }
    }
}

/// A converter: the input (already cast to the declared input type), its arguments;
/// `None` when the conversion fails (the sample is then missing, as in HAProxy).
pub type ConvFn = for<'a> fn(Value<'a>, &[Arg], &Cx) -> Option<Value<'a>>;

/// A converter that also reads or writes the stream's variables (`concat`, `strcmp`,
/// `set-var`, the arithmetic ones with a variable operand...). Variables are behind
/// interior mutability (the stream's `RefCell`s, the process-wide lock), so the stream
/// is lent shared, as to fetches.
pub type StreamConvFn = for<'a> fn(Value<'a>, &[Arg], &Cx, &Stream<'_>) -> Option<Value<'a>>;

/// What a converter runs.
#[derive(Clone, Copy)]
pub enum Func {
    /// Its input and arguments only.
    Pure(ConvFn),
    /// The stream's variables too.
    Stream(StreamConvFn),
}

/// A converter's configuration-time check of its parsed arguments (HAProxy's
/// `val_args`), which may also turn them into their final form. It receives the
/// arguments that were given; absent optional ones are not in the slice.
pub type CheckFn = fn(&mut [Arg]) -> Result<(), String>;

/// One converter keyword.
#[derive(Clone, Copy)]
pub struct ConvDef {
    pub name: &'static str,
    pub args: ArgSpec,
    pub input: SmpType,
    pub output: SmpType,
    pub f: Func,
    pub check: Option<CheckFn>,
}

impl std::fmt::Debug for ConvDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvDef").field("name", &self.name).finish()
    }
}

/// A converter HAProxy 2.6 has and Rampart does not yet, with what it waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotYet {
    pub name: &'static str,
    pub reason: &'static str,
}

/// What a converter name is.
#[derive(Clone, Copy, Debug)]
pub enum Lookup {
    Known(&'static ConvDef),
    NotYet(NotYet),
    Unknown,
}

const fn spec(types: &'static [ArgType], min: usize) -> ArgSpec {
    ArgSpec { types, min }
}

use ArgType as A;
use SmpType as T;

/// The converters implemented.
pub static CONVERTERS: &[ConvDef] = &[
    c("lower", spec(&[], 0), T::Str, T::Str, string::lower),
    c("upper", spec(&[], 0), T::Str, T::Str, string::upper),
    c("length", spec(&[], 0), T::Str, T::Sint, string::length),
    c(
        "bytes",
        spec(&[A::Sint, A::Sint], 1),
        T::Bin,
        T::Bin,
        string::bytes,
    ),
    c(
        "field",
        spec(&[A::Sint, A::Str, A::Sint], 2),
        T::Str,
        T::Str,
        string::field,
    ),
    c(
        "word",
        spec(&[A::Sint, A::Str, A::Sint], 2),
        T::Str,
        T::Str,
        string::word,
    ),
    c("ltrim", spec(&[A::Str], 1), T::Str, T::Str, string::ltrim),
    c("rtrim", spec(&[A::Str], 1), T::Str, T::Str, string::rtrim),
    c("cut_crlf", spec(&[], 0), T::Str, T::Str, string::cut_crlf),
    c("host_only", spec(&[], 0), T::Str, T::Str, string::host_only),
    c(
        "port_only",
        spec(&[], 0),
        T::Str,
        T::Sint,
        string::port_only,
    ),
    c(
        "iif",
        spec(&[A::Str, A::Str], 2),
        T::Bool,
        T::Str,
        string::iif,
    ),
    c("hex", spec(&[], 0), T::Bin, T::Str, encode::hex),
    c("hex2i", spec(&[], 0), T::Str, T::Sint, encode::hex2i),
    c("base64", spec(&[], 0), T::Bin, T::Str, encode::base64),
    c("b64dec", spec(&[], 0), T::Str, T::Bin, encode::b64dec),
    c("ub64enc", spec(&[], 0), T::Bin, T::Str, encode::ub64enc),
    c("ub64dec", spec(&[], 0), T::Str, T::Bin, encode::ub64dec),
    c("htonl", spec(&[], 0), T::Sint, T::Bin, encode::htonl),
    c("crc32", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::crc32),
    c("crc32c", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::crc32c),
    c("djb2", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::djb2),
    c("sdbm", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::sdbm),
    c("wt6", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::wt6),
    c("cpl", spec(&[], 0), T::Sint, T::Sint, encode::cpl),
    c("neg", spec(&[], 0), T::Sint, T::Sint, encode::neg),
    c("bool", spec(&[], 0), T::Sint, T::Bool, encode::to_bool),
    c("not", spec(&[], 0), T::Sint, T::Bool, encode::not),
    c("odd", spec(&[], 0), T::Sint, T::Bool, encode::odd),
    c("even", spec(&[], 0), T::Sint, T::Bool, encode::even),
    op("add", arith::add),
    op("sub", arith::sub),
    op("mul", arith::mul),
    op("div", arith::div),
    op("mod", arith::modulo),
    op("and", arith::and),
    op("or", arith::or),
    op("xor", arith::xor),
    // Encodings.
    ck(
        "json",
        spec(&[A::Str], 1),
        T::Str,
        T::Str,
        encode::json,
        encode::check_json,
    ),
    ck(
        "be2dec",
        spec(&[A::Str, A::Sint, A::Sint], 1),
        T::Bin,
        T::Str,
        encode::be2dec,
        encode::check_be2dec,
    ),
    ck(
        "be2hex",
        spec(&[A::Str, A::Sint, A::Sint], 1),
        T::Bin,
        T::Str,
        encode::be2hex,
        encode::check_be2hex,
    ),
    c(
        "url_dec",
        spec(&[A::Sint], 0),
        T::Str,
        T::Str,
        http::url_dec,
    ),
    ck(
        "url_enc",
        spec(&[A::Str], 1),
        T::Str,
        T::Str,
        http::url_enc,
        http::check_url_enc,
    ),
    c(
        "language",
        spec(&[A::Str, A::Str], 1),
        T::Str,
        T::Str,
        http::language,
    ),
    // Hashes and digests.
    c("xxh32", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::xxh32),
    c("xxh64", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::xxh64),
    c("xxh3", spec(&[A::Sint], 0), T::Bin, T::Sint, hash::xxh3),
    c("sha1", spec(&[], 0), T::Bin, T::Bin, hash::sha1),
    ck(
        "sha2",
        spec(&[A::Sint], 0),
        T::Bin,
        T::Bin,
        hash::sha2,
        hash::check_sha2,
    ),
    ck(
        "digest",
        spec(&[A::Str], 1),
        T::Bin,
        T::Bin,
        hash::digest,
        hash::check_digest,
    ),
    cs(
        "hmac",
        spec(&[A::Str, A::Str], 2),
        T::Bin,
        T::Bin,
        hash::hmac,
        hash::check_hmac,
    ),
    // Addresses and dates.
    c(
        "ipmask",
        spec(&[A::Msk4, A::Msk6], 1),
        T::Addr,
        T::Ipv4,
        addr::ipmask,
    ),
    c(
        "ltime",
        spec(&[A::Str, A::Sint], 1),
        T::Sint,
        T::Str,
        time::ltime,
    ),
    c(
        "utime",
        spec(&[A::Str, A::Sint], 1),
        T::Sint,
        T::Str,
        time::utime,
    ),
    ck(
        "http_date",
        spec(&[A::Sint, A::Str], 0),
        T::Sint,
        T::Str,
        time::http_date,
        time::check_date_unit,
    ),
    // JSON and JWT.
    ck(
        "json_query",
        spec(&[A::Str, A::Str], 1),
        T::Str,
        T::Any,
        json::json_query,
        json::check_json_query,
    ),
    ck(
        "jwt_header_query",
        spec(&[A::Str, A::Str], 0),
        T::Bin,
        T::Any,
        json::jwt_header_query,
        json::check_jwt_query,
    ),
    ck(
        "jwt_payload_query",
        spec(&[A::Str, A::Str], 0),
        T::Bin,
        T::Any,
        json::jwt_payload_query,
        json::check_jwt_query,
    ),
    // Binary protocols.
    ck(
        "protobuf",
        spec(&[A::PbufFnum, A::Str], 1),
        T::Bin,
        T::Bin,
        protobuf::protobuf,
        protobuf::check_protobuf,
    ),
    ck(
        "ungrpc",
        spec(&[A::PbufFnum, A::Str], 1),
        T::Bin,
        T::Bin,
        protobuf::ungrpc,
        protobuf::check_protobuf,
    ),
    c("fix_is_valid", spec(&[], 0), T::Bin, T::Bool, fix::is_valid),
    ck(
        "fix_tag_value",
        spec(&[A::Str], 1),
        T::Bin,
        T::Bin,
        fix::tag_value,
        fix::check_tag,
    ),
    c(
        "mqtt_is_valid",
        spec(&[], 0),
        T::Bin,
        T::Bool,
        mqtt::is_valid,
    ),
    ck(
        "mqtt_field_value",
        spec(&[A::Str, A::Str], 2),
        T::Bin,
        T::Str,
        mqtt::field_value,
        mqtt::check_field_value,
    ),
    ConvDef {
        name: "regsub",
        args: spec(&[A::Reg, A::Str, A::Str], 2),
        input: T::Str,
        output: T::Str,
        f: Func::Pure(regsub::regsub),
        check: Some(regsub::check),
    },
    // Variables.
    cs(
        "concat",
        spec(&[A::Str, A::Str, A::Str], 1),
        T::Str,
        T::Str,
        vars::concat,
        vars::check_concat,
    ),
    cs(
        "add_item",
        spec(&[A::Str, A::Str, A::Str], 2),
        T::Str,
        T::Str,
        vars::add_item,
        vars::check_add_item,
    ),
    cs(
        "strcmp",
        spec(&[A::Str], 1),
        T::Str,
        T::Sint,
        vars::strcmp,
        vars::check_var_arg,
    ),
    cs(
        "secure_memcmp",
        spec(&[A::Str], 1),
        T::Bin,
        T::Bool,
        vars::secure_memcmp,
        vars::check_var_arg,
    ),
    cs(
        "set-var",
        spec(&[A::Str, A::Str, A::Str, A::Str, A::Str], 1),
        T::Any,
        T::Any,
        vars::set_var,
        vars::check_set_var,
    ),
    cs(
        "unset-var",
        spec(&[A::Str], 1),
        T::Any,
        T::Any,
        vars::unset_var,
        vars::check_unset_var,
    ),
    map("map", T::Str, T::Str),
    map("map_str", T::Str, T::Str),
    map("map_beg", T::Str, T::Str),
    map("map_sub", T::Str, T::Str),
    map("map_dir", T::Str, T::Str),
    map("map_dom", T::Str, T::Str),
    map("map_end", T::Str, T::Str),
    map("map_reg", T::Str, T::Str),
    map("map_regm", T::Str, T::Str),
    map("map_int", T::Sint, T::Str),
    map("map_ip", T::Addr, T::Str),
    map("map_str_int", T::Str, T::Sint),
    map("map_beg_int", T::Str, T::Sint),
    map("map_sub_int", T::Str, T::Sint),
    map("map_dir_int", T::Str, T::Sint),
    map("map_dom_int", T::Str, T::Sint),
    map("map_end_int", T::Str, T::Sint),
    map("map_reg_int", T::Str, T::Sint),
    map("map_int_int", T::Sint, T::Sint),
    map("map_ip_int", T::Addr, T::Sint),
    map("map_str_ip", T::Str, T::Addr),
    map("map_beg_ip", T::Str, T::Addr),
    map("map_sub_ip", T::Str, T::Addr),
    map("map_dir_ip", T::Str, T::Addr),
    map("map_dom_ip", T::Str, T::Addr),
    map("map_end_ip", T::Str, T::Addr),
    map("map_reg_ip", T::Str, T::Addr),
    map("map_int_ip", T::Sint, T::Addr),
    map("map_ip_ip", T::Addr, T::Addr),
];

const TABLES: &str = "needs stick tables";

/// The converters of HAProxy 2.6 that wait for another part of Rampart. Entries leave
/// this table when their converter joins [`CONVERTERS`].
pub static NOT_YET: &[NotYet] = &[
    ny("debug", "needs the stream"),
    ny("capture-req", "needs the stream's captures"),
    ny("capture-res", "needs the stream's captures"),
    ny("nbsrv", "needs the servers' run-time state"),
    ny("srv_queue", "needs the servers' run-time state"),
    ny("jwt_verify", "needs TLS (signature verification)"),
    ny("aes_gcm_dec", "needs TLS (AES-GCM decryption)"),
    ny("in_table", TABLES),
    ny("table_bytes_in_rate", TABLES),
    ny("table_bytes_out_rate", TABLES),
    ny("table_conn_cnt", TABLES),
    ny("table_conn_cur", TABLES),
    ny("table_conn_rate", TABLES),
    ny("table_expire", TABLES),
    ny("table_gpt", TABLES),
    ny("table_gpt0", TABLES),
    ny("table_gpc", TABLES),
    ny("table_gpc0", TABLES),
    ny("table_gpc1", TABLES),
    ny("table_gpc_rate", TABLES),
    ny("table_gpc0_rate", TABLES),
    ny("table_gpc1_rate", TABLES),
    ny("table_http_err_cnt", TABLES),
    ny("table_http_err_rate", TABLES),
    ny("table_http_fail_cnt", TABLES),
    ny("table_http_fail_rate", TABLES),
    ny("table_http_req_cnt", TABLES),
    ny("table_http_req_rate", TABLES),
    ny("table_idle", TABLES),
    ny("table_kbytes_in", TABLES),
    ny("table_kbytes_out", TABLES),
    ny("table_server_id", TABLES),
    ny("table_sess_cnt", TABLES),
    ny("table_sess_rate", TABLES),
    ny("table_trackers", TABLES),
];

const fn ny(name: &'static str, reason: &'static str) -> NotYet {
    NotYet { name, reason }
}

/// A `map*` converter (`map.c`): a file name and a default value (an integer for the
/// `_int` outputs). Its arguments are loaded by [`crate::map::load`], which the
/// configuration layer calls before `check`.
const fn map(name: &'static str, input: SmpType, output: SmpType) -> ConvDef {
    let args = if matches!(output, T::Sint) {
        spec(&[A::Str, A::Sint], 1)
    } else {
        spec(&[A::Str, A::Str], 1)
    };
    ConvDef {
        name,
        args,
        input,
        output,
        f: Func::Pure(crate::map::conv),
        check: Some(crate::map::check_loaded),
    }
}

/// The two-operand integer converters: one argument, an integer or a variable.
const fn op(name: &'static str, f: StreamConvFn) -> ConvDef {
    ConvDef {
        name,
        args: spec(&[A::Str], 1),
        input: T::Sint,
        output: T::Sint,
        f: Func::Stream(f),
        check: Some(arith::check_operand),
    }
}

/// A converter using the stream's variables.
const fn cs(
    name: &'static str,
    args: ArgSpec,
    input: SmpType,
    output: SmpType,
    f: StreamConvFn,
    check: CheckFn,
) -> ConvDef {
    ConvDef {
        name,
        args,
        input,
        output,
        f: Func::Stream(f),
        check: Some(check),
    }
}

const fn c(
    name: &'static str,
    args: ArgSpec,
    input: SmpType,
    output: SmpType,
    f: ConvFn,
) -> ConvDef {
    ConvDef {
        name,
        args,
        input,
        output,
        f: Func::Pure(f),
        check: None,
    }
}

const fn ck(
    name: &'static str,
    args: ArgSpec,
    input: SmpType,
    output: SmpType,
    f: ConvFn,
    check: CheckFn,
) -> ConvDef {
    ConvDef {
        name,
        args,
        input,
        output,
        f: Func::Pure(f),
        check: Some(check),
    }
}

/// The converter named `name`.
pub fn find(name: &str) -> Option<&'static ConvDef> {
    CONVERTERS.iter().find(|d| d.name == name)
}

/// What `name` is: a converter Rampart implements, one HAProxy has that waits for
/// another part of Rampart (converters Lua registers, `lua.*`, wait for Lua), or
/// nothing HAProxy knows.
pub fn lookup(name: &str) -> Lookup {
    if let Some(d) = find(name) {
        return Lookup::Known(d);
    }
    if let Some(n) = NOT_YET.iter().find(|n| n.name == name) {
        return Lookup::NotYet(*n);
    }
    if name.starts_with("lua.") {
        return Lookup::NotYet(NotYet {
            name: "lua.*",
            reason: "needs Lua",
        });
    }
    Lookup::Unknown
}

impl NotYet {
    /// The message a configuration using this converter gets.
    pub fn message(&self, name: &str) -> String {
        format!("converter '{name}' is not supported yet ({})", self.reason)
    }
}

/// Runs converter `d` on `v` outside any stream (no variable is visible): casts the
/// input to the declared type first, as HAProxy's `sample_process_cnv` does (`None`
/// when the cast fails).
pub fn apply<'a>(d: &ConvDef, v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    apply_in(d, v, args, cx, &Stream::new(&NoEnv))
}

/// [`apply`] within stream `s`, whose variables the converter may read or write.
pub fn apply_in<'a>(
    d: &ConvDef,
    v: Value<'a>,
    args: &[Arg],
    cx: &Cx,
    s: &Stream<'_>,
) -> Option<Value<'a>> {
    let v = v.cast(d.input)?;
    match d.f {
        Func::Pure(f) => f(v, args, cx),
        Func::Stream(f) => f(v, args, cx, s),
    }
}

/// An integer argument, or `default` when absent.
fn int_arg(args: &[Arg], i: usize, default: i64) -> i64 {
    match args.get(i) {
        Some(Arg::Sint(n)) => *n,
        _ => default,
    }
}

/// A string argument's bytes (empty when absent).
fn str_arg(args: &[Arg], i: usize) -> &[u8] {
    match args.get(i) {
        Some(Arg::Str(s)) => s.as_bytes(),
        _ => b"",
    }
}

/// The bytes of a string or binary sample.
fn bytes_of(v: Value<'_>) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Str(s) | Value::Bin(s) => Some(s),
        _ => None,
    }
}

/// `s[start..end]`, borrowing when `s` borrows.
fn slice(s: Cow<'_, [u8]>, start: usize, end: usize) -> Cow<'_, [u8]> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(&b[start..end]),
        Cow::Owned(mut v) => {
            v.truncate(end);
            v.drain(..start);
            Cow::Owned(v)
        }
    }
}

/// An integer sample's value (booleans count as 0 and 1).
fn int_of(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Sint(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
