//! Maps (configuration manual 7.3.1, the `map*` converters; HAProxy's `map.c`): a
//! two-column file whose first column is matched against the sample with one of the
//! pattern methods, answering with the second column read as a string, an integer or
//! an address, or with the converter's default value.
//!
//! Loading needs the configuration's registry of pattern references and a way to read
//! files, which a converter's `check` does not have: the configuration layer calls
//! [`load`] for every converter [`is_map_converter`] names, after parsing its
//! arguments; it replaces the file name with the loaded [`Map`].

use crate::args::{Arg, ArgType};
use crate::pattern::{
    LoadCx, Matcher, Method, PatRef, PatternSet, RefFlags, SampleData, ValueKind,
};
use crate::regex::replace;
use crate::sample::{SmpType, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// A loaded map: the pattern set matched against samples, the output type, the
/// default value.
pub struct Map {
    set: PatternSet,
    out: ValueKind,
    default: Option<SampleData>,
    reference: Arc<PatRef>,
}

/// The same map only when it is the same loaded object (an `Arg` compares so).
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Map {}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("file", &self.reference.name())
            .field("method", &self.set.matcher().method)
            .field("out", &self.out)
            .finish()
    }
}

/// The `map*` converters: name, match method, output type (HAProxy's table in
/// `map.c`). The input type is the method's.
pub const MAP_CONVERTERS: &[(&str, Method, ValueKind)] = &[
    ("map", Method::Str, ValueKind::Str),
    ("map_str", Method::Str, ValueKind::Str),
    ("map_beg", Method::Beg, ValueKind::Str),
    ("map_sub", Method::Sub, ValueKind::Str),
    ("map_dir", Method::Dir, ValueKind::Str),
    ("map_dom", Method::Dom, ValueKind::Str),
    ("map_end", Method::End, ValueKind::Str),
    ("map_reg", Method::Reg, ValueKind::Str),
    ("map_regm", Method::Regm, ValueKind::Str),
    ("map_int", Method::Int, ValueKind::Str),
    ("map_ip", Method::Ip, ValueKind::Str),
    ("map_str_int", Method::Str, ValueKind::Int),
    ("map_beg_int", Method::Beg, ValueKind::Int),
    ("map_sub_int", Method::Sub, ValueKind::Int),
    ("map_dir_int", Method::Dir, ValueKind::Int),
    ("map_dom_int", Method::Dom, ValueKind::Int),
    ("map_end_int", Method::End, ValueKind::Int),
    ("map_reg_int", Method::Reg, ValueKind::Int),
    ("map_int_int", Method::Int, ValueKind::Int),
    ("map_ip_int", Method::Ip, ValueKind::Int),
    ("map_str_ip", Method::Str, ValueKind::Addr),
    ("map_beg_ip", Method::Beg, ValueKind::Addr),
    ("map_sub_ip", Method::Sub, ValueKind::Addr),
    ("map_dir_ip", Method::Dir, ValueKind::Addr),
    ("map_dom_ip", Method::Dom, ValueKind::Addr),
    ("map_end_ip", Method::End, ValueKind::Addr),
    ("map_reg_ip", Method::Reg, ValueKind::Addr),
    ("map_int_ip", Method::Int, ValueKind::Addr),
    ("map_ip_ip", Method::Ip, ValueKind::Addr),
];

/// Whether `conv` is a `map*` converter, whose arguments [`load`] must prepare.
pub fn is_map_converter(conv: &str) -> bool {
    spec_of(conv).is_some()
}

fn spec_of(conv: &str) -> Option<(Method, ValueKind)> {
    MAP_CONVERTERS
        .iter()
        .find(|(n, ..)| *n == conv)
        .map(|&(_, m, v)| (m, v))
}

/// The sample type a map answers with.
pub fn output_type(v: ValueKind) -> SmpType {
    match v {
        ValueKind::Str => SmpType::Str,
        ValueKind::Int => SmpType::Sint,
        ValueKind::Addr => SmpType::Addr,
    }
}

/// `sample_load_map`: reads (or shares) the file named by `args[0]` for converter
/// `conv` and turns `args[0]` into [`Arg::Map`]; an address map's default value is read
/// as an address. Errors are HAProxy's (`failed to open pattern file <f>`, `'k' is not
/// a valid IPv4 or IPv6 address at line 3 of file 'f'`, `unable to parse 'v' at line 2
/// of file 'f'`...), to be quoted after `invalid args in converter 'map_ip' : `.
pub fn load(conv: &str, args: &mut [Arg], cx: &mut LoadCx<'_>) -> Result<(), String> {
    let (method, out) = spec_of(conv).ok_or_else(|| format!("'{conv}' is not a map"))?;
    let file = match args.first() {
        Some(Arg::Str(f)) | Some(Arg::Unresolved(ArgType::Map, f)) => f.clone(),
        Some(Arg::Map(_)) => return Ok(()),
        _ => return Err("map: missing map file name".into()),
    };
    let users = RefFlags {
        map: true,
        acl: false,
        smp: true,
    };
    let reference = cx
        .registry
        .file(cx.files, &file, true, users, cx.origin, cx.bufsize)?;
    // Maps never resolve host names (`PAT_MF_NO_DNS`).
    let flags = crate::pattern::Flags {
        icase: false,
        no_dns: true,
    };
    let m = Matcher::new(method);
    let expr = reference.expr(m, flags, Some(out), None)?;
    let default = match (out, args.get(1)) {
        (ValueKind::Str, Some(Arg::Str(s))) => Some(SampleData::Str(s.as_bytes().into())),
        (ValueKind::Int, Some(Arg::Sint(i))) => Some(SampleData::Sint(*i)),
        (ValueKind::Addr, Some(Arg::Str(s))) => {
            let d = SampleData::parse(ValueKind::Addr, s.as_bytes())
                .map_err(|_| format!("map: cannot parse default ip <{s}>."))?;
            args[1] = match d {
                SampleData::Ipv4(a) => Arg::Ipv4(a),
                SampleData::Ipv6(a) => Arg::Ipv6(a),
                _ => Arg::Str(s.clone()),
            };
            Some(d)
        }
        _ => None,
    };
    let set = PatternSet::with_exprs(m, method.expected_type(), vec![expr]);
    args[0] = Arg::Map(Arc::new(Map {
        set,
        out,
        default,
        reference,
    }));
    Ok(())
}

impl Map {
    /// The file's reference, shared with every other user of the file.
    pub fn reference(&self) -> &Arc<PatRef> {
        &self.reference
    }

    pub fn set(&self) -> &PatternSet {
        &self.set
    }

    pub fn output(&self) -> ValueKind {
        self.out
    }

    /// `sample_conv_map`: the value of the pattern `v` matches (for `map_regm`, the
    /// value with `\N` replaced by the groups of the match), else the default, else
    /// nothing. Values are copied out (at most `bufsize - 1` bytes of a string, as
    /// HAProxy copies them into a trash buffer).
    pub fn lookup<'a>(&self, v: Value<'a>, bufsize: usize) -> Option<Value<'a>> {
        let Some(hit) = self.set.match_value(v) else {
            return self.default.as_ref().map(|d| d.as_value().into_owned());
        };
        let Some(data) = hit.data() else {
            return Some(Value::Sint(1));
        };
        if self.set.matcher().method == Method::Regm {
            let (Value::Str(input), Value::Str(template)) = (hit.input(), &data) else {
                return None;
            };
            let input = &input[..input.len().min(bufsize.saturating_sub(1))];
            let mut out = Vec::new();
            replace(&mut out, bufsize, input, template, hit.groups()).ok()?;
            return Some(Value::Str(Cow::Owned(out)));
        }
        Some(match data {
            Value::Str(s) => {
                let n = s.len().min(bufsize.saturating_sub(1));
                Value::Str(Cow::Owned(s[..n].to_vec()))
            }
            other => other.into_owned(),
        })
    }
}

/// The `map*` converters' function: `args[0]` must hold the loaded map.
pub fn conv<'a>(v: Value<'a>, args: &[Arg], cx: &crate::conv::Cx) -> Option<Value<'a>> {
    match args.first() {
        Some(Arg::Map(m)) => m.lookup(v, cx.bufsize),
        _ => None,
    }
}

/// The `map*` converters' check: their arguments must have been through [`load`].
pub fn check_loaded(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        Some(Arg::Map(_)) => Ok(()),
        _ => Err("map converter arguments must be loaded with rampart_rules::map::load".into()),
    }
}

#[cfg(test)]
mod tests;
