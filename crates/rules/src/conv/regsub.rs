//! `regsub(<regex>,<subst>[,<flags>])`: HAProxy's `s/regex/subst/` on a string, with
//! the flags `i` (ignore case) and `g` (every match). The regex is compiled by the
//! converter's check, once the flags are known.

use super::{str_arg, Cx};
use crate::args::{Arg, ArgType};
use crate::regex::{regsub as substitute, Regex};
use crate::sample::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// `sample_conv_regsub_check`, then the regex's compilation (HAProxy compiles it when
/// it resolves arguments, after the whole configuration is read).
pub fn check(args: &mut [Arg]) -> Result<(), String> {
    let flags = str_arg(args, 2);
    if let Some(&c) = flags.iter().find(|&&c| c != b'i' && c != b'g') {
        return Err(format!(
            "invalid regex flag '{}', only 'i' and 'g' are supported",
            c as char
        ));
    }
    let icase = flags.contains(&b'i');
    let re = match args.first() {
        Some(Arg::Unresolved(ArgType::Reg, text) | Arg::Str(text)) => {
            if text.is_empty() {
                return Err("missing regex".into());
            }
            Regex::new(text, icase)?
        }
        Some(Arg::Regex(_)) => return Ok(()),
        _ => return Err("missing regex".into()),
    };
    args[0] = Arg::Regex(Arc::new(re));
    Ok(())
}

pub fn regsub<'a>(v: Value<'a>, args: &[Arg], cx: &Cx) -> Option<Value<'a>> {
    let Some(Arg::Regex(re)) = args.first() else {
        return None;
    };
    let Value::Str(s) = v else {
        return None;
    };
    let global = str_arg(args, 2).contains(&b'g');
    let out = substitute(&s, re, str_arg(args, 1), global, cx.bufsize);
    Some(Value::Str(Cow::Owned(out)))
}
