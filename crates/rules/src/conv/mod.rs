//! Converters (configuration manual 7.3.1): the table of every converter Rampart knows,
//! with its arguments, input and output types, and the functions of those that need
//! nothing but their input and arguments. Converters reading variables, maps or
//! regexes join the table with those subsystems.
//!
//! Outputs that HAProxy builds in a buffer of `tune.bufsize` bytes are bounded the same
//! way ([`Cx::bufsize`]), so a long input gives the same (truncated or refused) result.

mod arith;
mod encode;
mod regsub;
mod string;

use crate::args::{Arg, ArgSpec, ArgType};
use crate::sample::{SmpType, Value};

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

/// A converter's configuration-time check of its parsed arguments (HAProxy's
/// `val_args`), which may also turn them into their final form.
pub type CheckFn = fn(&mut [Arg]) -> Result<(), String>;

/// One converter keyword.
#[derive(Clone, Copy)]
pub struct ConvDef {
    pub name: &'static str,
    pub args: ArgSpec,
    pub input: SmpType,
    pub output: SmpType,
    pub f: ConvFn,
    pub check: Option<CheckFn>,
}

impl std::fmt::Debug for ConvDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvDef").field("name", &self.name).finish()
    }
}

const fn spec(types: &'static [ArgType], min: usize) -> ArgSpec {
    ArgSpec { types, min }
}

use ArgType as A;
use SmpType as T;

/// The converters implemented so far.
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
    c("crc32", spec(&[A::Sint], 0), T::Bin, T::Sint, encode::crc32),
    c(
        "crc32c",
        spec(&[A::Sint], 0),
        T::Bin,
        T::Sint,
        encode::crc32c,
    ),
    c("djb2", spec(&[A::Sint], 0), T::Bin, T::Sint, encode::djb2),
    c("sdbm", spec(&[A::Sint], 0), T::Bin, T::Sint, encode::sdbm),
    c("wt6", spec(&[A::Sint], 0), T::Bin, T::Sint, encode::wt6),
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
    ConvDef {
        name: "regsub",
        args: spec(&[A::Reg, A::Str, A::Str], 2),
        input: T::Str,
        output: T::Str,
        f: regsub::regsub,
        check: Some(regsub::check),
    },
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
        f: crate::map::conv,
        check: Some(crate::map::check_loaded),
    }
}

/// The two-operand integer converters: one argument, an integer or a variable.
const fn op(name: &'static str, f: ConvFn) -> ConvDef {
    ConvDef {
        name,
        args: spec(&[A::Str], 1),
        input: T::Sint,
        output: T::Sint,
        f,
        check: Some(arith::check_operand),
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
        f,
        check: None,
    }
}

/// The converter named `name`.
pub fn find(name: &str) -> Option<&'static ConvDef> {
    CONVERTERS.iter().find(|d| d.name == name)
}

/// Runs converter `d` on `v`: casts the input to the declared type first, as HAProxy's
/// `sample_process_cnv` does (`None` when the cast fails).
pub fn apply<'a>(d: &ConvDef, v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let v = v.cast(d.input)?;
    (d.f)(v, args, cx)
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

#[cfg(test)]
mod tests;
