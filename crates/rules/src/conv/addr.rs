//! Address converters: `ipmask`.

use super::Cx;
use crate::args::Arg;
use crate::sample::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

/// `ipmask(mask4[,mask6])`: an IPv4 address (an IPv4-mapped IPv6 address counts as
/// one) masked with `mask4`; an IPv6 address masked with `mask6`, and without it the
/// conversion fails.
pub fn ipmask<'a>(v: Value<'a>, args: &[Arg], _: &Cx) -> Option<Value<'a>> {
    let v4 = match v {
        Value::Ipv4(a) => a,
        Value::Ipv6(a) => match a.to_ipv4_mapped() {
            Some(a) => a,
            None => {
                let Some(Arg::Ipv6(m)) = args.get(1) else {
                    return None;
                };
                return Some(Value::Ipv6(Ipv6Addr::from(u128::from(a) & u128::from(*m))));
            }
        },
        _ => return None,
    };
    let m = match args.first() {
        Some(Arg::Ipv4(m)) => u32::from(*m),
        _ => u32::MAX,
    };
    Some(Value::Ipv4(Ipv4Addr::from(u32::from(v4) & m)))
}
