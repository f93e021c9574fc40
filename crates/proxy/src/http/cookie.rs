//! The persistence cookie in `mode http` (configuration manual 4.2 `cookie`; 5.2 server
//! `cookie`; HAProxy's `http_manage_client_side_cookies`,
//! `http_manage_server_side_cookies` and the cookie insertion of
//! `http_process_res_common`).
//!
//! On the request side ([`client_cookies`]) the cookie is found in the `Cookie` fields,
//! its dates checked (`maxidle`, `maxlife`), its value matched to a server, and it is
//! stripped (`prefix`) or removed (`insert indirect`). On the response side
//! ([`response`]) the server's own cookie is kept, removed or rewritten as the mode
//! wants, then HAProxy's `Set-Cookie` is inserted: same bytes, same date encoding, so a
//! client's cookie keeps working across the switch. Fields are scanned with HAProxy's
//! own rules (blanks around `=`, `$` attributes, quoted values, `Set-Cookie2` lists)
//! and edited in a per-thread scratch buffer, so nothing is allocated per request once
//! it has grown.

use super::persist::{Persist, Txn};
use crate::state::{Backend, Server};
use rampart_h1::chars::{find_delimiter, find_value_end, is_spht};
use rampart_h1::{Headers, Method, ResponseHead};
use rampart_model::proxy::persist::Cookie;
use std::cell::RefCell;

/// `cookie` of a backend.
#[derive(Debug)]
pub struct CookieCfg {
    pub name: Box<[u8]>,
    pub rewrite: bool,
    pub insert: bool,
    pub prefix: bool,
    pub indirect: bool,
    pub nocache: bool,
    pub postonly: bool,
    pub preserve: bool,
    pub httponly: bool,
    pub secure: bool,
    pub domain: Option<Box<str>>,
    pub maxidle: u32,
    pub maxlife: u32,
    pub attrs: Option<Box<str>>,
}

impl CookieCfg {
    pub(super) fn of(c: &Cookie) -> CookieCfg {
        CookieCfg {
            name: c.name.as_bytes().into(),
            rewrite: c.rewrite,
            insert: c.insert,
            prefix: c.prefix,
            indirect: c.indirect,
            nocache: c.nocache,
            postonly: c.postonly,
            preserve: c.preserve,
            httponly: c.httponly,
            secure: c.secure,
            domain: c.domain.as_deref().map(Into::into),
            maxidle: c.maxidle,
            maxlife: c.maxlife,
            attrs: c.attrs.as_deref().map(Into::into),
        }
    }
}

/// Seconds since the epoch (HAProxy's `date.tv_sec`).
pub(super) fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

thread_local! {
    /// Where cookie fields are rewritten (grows once, reused by every stream).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// HAProxy's `http_find_cookie_value_end`: the next `,` or `;` outside quotes.
fn cookie_value_end(buf: &[u8], i: usize, end: usize) -> usize {
    buf.get(i..end).map_or(i, |v| i + find_delimiter(v, b",;"))
}

/// HAProxy's `http_find_hdr_value_end`: the next `,` outside quotes.
fn hdr_value_end(buf: &[u8], i: usize, end: usize) -> usize {
    buf.get(i..end).map_or(i, |v| i + find_value_end(v))
}

/// Adds a (negative) delta to an index.
fn shift(i: usize, delta: isize) -> usize {
    i.saturating_add_signed(delta)
}

/// HAProxy's `http_del_hdr_value`: removes the value from the delimiter at `*from` (or
/// the start) up to the delimiter at `next` (or the end), keeping one delimiter and a
/// space. Returns how much the field shrank (negative).
fn del_value(buf: &mut [u8], end: usize, from: &mut usize, next: usize) -> isize {
    let mut prev = *from;
    let mut next = next;
    if prev == 0 {
        if next < end {
            next += 1;
        }
        while next < end && is_spht(buf[next]) {
            next += 1;
        }
    } else {
        while prev > 0 && is_spht(buf[prev - 1]) {
            prev -= 1;
        }
        *from = prev;
        if next < end {
            buf[prev] = buf[next];
            prev += 1;
            next += 1;
            if prev + 1 < next {
                buf[prev] = b' ';
                prev += 1;
            }
            while next < end && is_spht(buf[next]) {
                next += 1;
            }
        }
    }
    buf.copy_within(next..end, prev);
    prev as isize - next as isize
}

/// Positions of one `name=value` in a field being scanned.
struct Pair {
    att_beg: usize,
    att_end: usize,
    equal: usize,
    val_beg: usize,
    val_end: usize,
    next: usize,
}

/// Finds the attribute and value starting at `prev` (HAProxy's scanning loops);
/// `set_cookie2`: `,` also ends an attribute (Set-Cookie2 lists cookies).
fn scan(buf: &[u8], prev: usize, first: bool, end: usize, delim_comma: bool) -> Pair {
    let mut att_beg = if first { prev } else { prev + 1 };
    while att_beg < end && is_spht(buf[att_beg]) {
        att_beg += 1;
    }
    let mut equal = att_beg;
    let mut att_end = att_beg;
    while equal < end {
        let c = buf[equal];
        if c == b'=' || c == b';' || (delim_comma && c == b',') {
            break;
        }
        equal += 1;
        if !is_spht(c) {
            att_end = equal;
        }
    }
    if equal < end && buf[equal] == b'=' {
        let mut val_beg = equal + 1;
        while val_beg < end && is_spht(buf[val_beg]) {
            val_beg += 1;
        }
        let next = cookie_value_end(buf, val_beg, end);
        let mut val_end = next;
        while val_end > val_beg && is_spht(buf[val_end - 1]) {
            val_end -= 1;
        }
        Pair {
            att_beg,
            att_end,
            equal,
            val_beg,
            val_end,
            next,
        }
    } else {
        Pair {
            att_beg,
            att_end,
            equal,
            val_beg: equal,
            val_end: equal,
            next: equal,
        }
    }
}

/// Removes the blanks around `=` (HAProxy does it so that captures and rewrites see
/// `name=value`); returns the shift of everything after the value.
fn strip_equal(buf: &mut [u8], c: &mut Pair, end: usize) -> isize {
    if c.att_end == c.equal && c.val_beg <= c.equal + 1 {
        return 0;
    }
    let mut before: isize = 0;
    if c.att_end != c.equal {
        buf.copy_within(c.equal..end, c.att_end);
        before = c.att_end as isize - c.equal as isize;
        c.equal = shift(c.equal, before);
        c.val_beg = shift(c.val_beg, before);
    }
    let tail = shift(end, before);
    if c.val_beg > c.equal + 1 {
        buf.copy_within(c.val_beg..tail, c.equal + 1);
        let after = (c.equal + 1) as isize - c.val_beg as isize;
        c.val_beg = shift(c.val_beg, after);
        before += after;
    }
    c.val_end = shift(c.val_end, before);
    c.next = shift(c.next, before);
    before
}

/// HAProxy's `b64tos30`: five base64 characters into a 30-bit number (-1: invalid).
fn b64_to_s30(s: &[u8]) -> i32 {
    let mut out: i32 = 0;
    for &c in s.iter().take(5) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return -1,
        };
        out = (out << 6) + i32::from(v);
    }
    out
}

/// HAProxy's `s30tob64`: the low 30 bits as five base64 characters.
fn s30_to_b64(v: u32, out: &mut Vec<u8>) {
    const TAB: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut v = v;
    for _ in 0..5 {
        out.push(TAB[((v >> 24) & 0x3F) as usize]);
        v = v.wrapping_shl(6);
    }
}

/// `(signed)(a - b) > limit` on HAProxy's unsigned dates.
fn older(a: u32, b: u32, limit: u32) -> bool {
    (a.wrapping_sub(b) as i32) > limit as i32
}

/// `http_manage_client_side_cookies` for the persistence cookie: every `Cookie` field.
pub(super) fn client_cookies(
    be: &Backend,
    p: &Persist,
    c: &CookieCfg,
    h: &mut Headers,
    t: &mut Txn,
    now: u32,
) {
    let mut i = 0;
    while i < h.len() {
        let Some((name, value)) = h.get_index(i) else {
            break;
        };
        if name != b"cookie" {
            i += 1;
            continue;
        }
        let len = SCRATCH.with(|s| {
            let mut buf = s.borrow_mut();
            buf.clear();
            buf.extend_from_slice(value);
            // The first server with this value that may take the stream, and whether
            // it is up; else whether a server has the value (down).
            let find = |want: &[u8], t: &Txn| {
                let has = |s: &&Server| s.cookie.as_deref().map(str::as_bytes) == Some(want);
                match be
                    .servers
                    .iter()
                    .position(|s| has(&s) && (super::persist::up(s) || p.down_ok || t.force))
                {
                    Some(i) => Found::Server(i, super::persist::up(&be.servers[i])),
                    None if be.servers.iter().any(|s| has(&s)) => Found::Down,
                    None => Found::None,
                }
            };
            let end = client_field(c, &mut buf, t, now, &find);
            buf.truncate(end);
            end
        });
        if len == value.len() {
            i += 1;
        } else if len == 0 {
            h.remove_index(i);
        } else {
            SCRATCH.with(|s| h.set_value_index(i, &s.borrow()));
            i += 1;
        }
    }
}

/// `capture cookie`: the first cookie whose `name=value` (blanks around `=` removed)
/// starts with `name`, among the request's `Cookie` fields or, for a response, the
/// cookie of each `Set-Cookie` field; cut to `len` bytes.
pub fn capture(h: &Headers, response: bool, name: &[u8], len: usize) -> Option<Box<[u8]>> {
    let field: &[u8] = if response { b"set-cookie" } else { b"cookie" };
    for (n, v) in h.iter() {
        if n != field {
            continue;
        }
        let end = v.len();
        let mut prev = 0;
        let mut first = true;
        while prev < end {
            let k = scan(v, prev, first, end, !response);
            first = false;
            if k.equal < end && v[k.equal] == b'=' {
                let mut t = Vec::with_capacity(k.val_end - k.att_beg);
                t.extend_from_slice(&v[k.att_beg..k.att_end]);
                t.push(b'=');
                t.extend_from_slice(&v[k.val_beg..k.val_end]);
                if t.starts_with(name) {
                    t.truncate(len);
                    return Some(t.into_boxed_slice());
                }
            }
            if response || k.next <= prev {
                // A Set-Cookie holds one cookie, its attributes follow.
                break;
            }
            prev = k.next;
        }
    }
    None
}

/// What a client's cookie value leads to.
enum Found {
    /// The server, and whether it is up.
    Server(usize, bool),
    /// Only servers that are down have it.
    Down,
    None,
}

/// `TX_CK_*`, as indexes of `%tsc`'s third character.
pub(super) const CK_INVALID: u8 = 1;
pub(super) const CK_DOWN: u8 = 2;
pub(super) const CK_VALID: u8 = 3;
pub(super) const CK_EXPIRED: u8 = 4;
pub(super) const CK_OLD: u8 = 5;
pub(super) const CK_UNUSED: u8 = 6;

/// `TX_SCK_*`, as indexes of `%tsc`'s fourth character.
pub(super) const SCK_FOUND: u8 = 1;
pub(super) const SCK_DELETED: u8 = 2;
pub(super) const SCK_INSERTED: u8 = 3;
pub(super) const SCK_REPLACED: u8 = 4;
pub(super) const SCK_UPDATED: u8 = 5;

/// The `%tsc` characters of a persistence cookie's request and response states.
pub fn tsc_chars(ck: u8, sck: u8) -> [u8; 2] {
    [
        b"NIDVEOU7"[usize::from(ck & 7)],
        b"NPDIRU67"[usize::from(sck & 7)],
    ]
}

/// One `Cookie` field in `buf`; returns its new length (0: remove the field). `find`
/// gives the server a cookie value leads to.
fn client_field(
    c: &CookieCfg,
    buf: &mut [u8],
    t: &mut Txn,
    now: u32,
    find: &dyn Fn(&[u8], &Txn) -> Found,
) -> usize {
    let mut end = buf.len();
    let mut prev = 0;
    let mut first = true;
    let mut del_from: Option<usize> = None;
    let mut preserve = false;
    while prev < end {
        let mut k = scan(buf, prev, first, end, true);
        first = false;
        if buf.get(k.att_beg) == Some(&b'$') && k.att_beg < end {
            // RFC 2109 attributes go with the cookie before them.
            prev = k.next;
            continue;
        }
        if k.equal == k.next {
            // Not a `name=value`: kept, which ends a pending removal.
            preserve = true;
            if let Some(mut df) = del_from.take() {
                let delta = del_value(buf, end, &mut df, prev);
                k.next = shift(k.next, delta);
                end = shift(end, delta);
            }
            prev = k.next;
            continue;
        }
        let d = strip_equal(buf, &mut k, end);
        end = shift(end, d);
        if k.att_end - k.att_beg == c.name.len() && buf[k.att_beg..k.att_end] == *c.name {
            let mut delim;
            if c.prefix {
                delim = k.val_beg;
                while delim < k.val_end && buf[delim] != b'~' {
                    delim += 1;
                }
            } else {
                delim = k.val_end;
                if let Some(bar) = buf[k.val_beg..k.val_end].iter().position(|&b| b == b'|') {
                    delim = k.val_beg + bar;
                    let v1 = delim + 1;
                    if k.val_end - v1 >= 5 {
                        let v = b64_to_s30(&buf[v1..]);
                        if v > 0 {
                            t.last_date = (v as u32).wrapping_shl(2);
                        }
                    }
                    if let Some(b2) = buf[v1..k.val_end].iter().position(|&b| b == b'|') {
                        let v2 = v1 + b2;
                        if k.val_end - v2 > 5 {
                            let v = b64_to_s30(&buf[v2 + 1..]);
                            if v > 0 {
                                t.first_date = (v as u32).wrapping_shl(2);
                            }
                        }
                    }
                }
            }
            // Too old or idle too long (a date over a day ahead counts as such): as if
            // there were no cookie.
            let expired = if t.first_date != 0
                && c.maxlife != 0
                && (older(now, t.first_date, c.maxlife) || older(t.first_date, now, 86400))
            {
                t.ck = CK_OLD;
                true
            } else if t.last_date != 0
                && c.maxidle != 0
                && (older(now, t.last_date, c.maxidle) || older(t.last_date, now, 86400))
            {
                t.ck = CK_EXPIRED;
                true
            } else {
                false
            };
            if expired {
                delim = k.val_beg;
                t.first_date = 0;
                t.last_date = 0;
            }
            // The first server with this value that may take the stream (an empty
            // value never matches: a backup without cookie must not stick).
            let assigned = t.server.is_some();
            let mut matched = false;
            if delim != k.val_beg && !t.ignore && !assigned {
                match find(&buf[k.val_beg..delim], t) {
                    Found::Server(i, up) => {
                        t.server = Some(i);
                        t.ck = if up { CK_VALID } else { CK_DOWN };
                        matched = true;
                    }
                    Found::Down => t.ck = CK_DOWN,
                    Found::None => {}
                }
            }
            if !matched && !matches!(t.ck, CK_DOWN | CK_EXPIRED | CK_OLD) {
                t.ck = if t.ignore || assigned {
                    CK_UNUSED
                } else {
                    CK_INVALID
                };
            }
            if c.prefix && delim != k.val_end {
                // `SRV~value` becomes `value` for the server.
                buf.copy_within(delim + 1..end, k.val_beg);
                let delta = k.val_beg as isize - (delim + 1) as isize;
                k.next = shift(k.next, delta);
                end = shift(end, delta);
                del_from = None;
                preserve = true;
            } else if del_from.is_none() && c.insert && c.indirect {
                del_from = Some(prev);
            }
        } else {
            preserve = true;
            if let Some(mut df) = del_from.take() {
                let delta = del_value(buf, end, &mut df, prev);
                k.next = shift(k.next, delta);
                end = shift(end, delta);
            }
        }
        prev = k.next;
    }
    match del_from {
        Some(df) if preserve => df,
        Some(_) => 0,
        None => end,
    }
}

/// The response side (status 101 or at least 200): the server's own persistence
/// cookie is kept, removed or rewritten as the mode wants, then HAProxy's `Set-Cookie`
/// is inserted (with `Cache-control: private` under `nocache` when the response could
/// be cached). `server` is the server that answered.
/// Returns the response-side state of the persistence cookie (`SCK_*`, for `%tsc`).
pub fn response(
    be: &Backend,
    t: &Txn,
    server: usize,
    method: Method,
    resp: &mut ResponseHead,
) -> u8 {
    let Some(p) = be.persist.as_deref() else {
        return 0;
    };
    let Some(c) = &p.cookie else {
        return 0;
    };
    let status = resp.status();
    if status < 200 && status != 101 {
        return 0;
    }
    let srv = &be.servers[server];
    let direct = t.server == Some(server);
    let h = resp.headers_mut();
    let sck = server_cookies(c, srv, p.dispatch, direct, t, h);
    let found = sck != 0;
    let now = now();
    let refresh = (c.maxidle != 0 || t.last_date != 0)
        && (t.last_date == 0 || (t.last_date.wrapping_sub(now) as i32) < 0);
    let insert = c.insert
        && !p.dispatch
        && !(found && c.preserve)
        && (!direct
            || refresh
            || (c.maxlife != 0 && t.first_date == 0)
            || (c.maxlife == 0 && t.first_date != 0))
        && (!c.postonly || method == Method::Post)
        && !t.ignore;
    if !insert {
        return sck;
    }
    let cacheable = c.nocache && cacheable(method, status, h);
    SCRATCH.with(|s| {
        let mut v = s.borrow_mut();
        v.clear();
        set_cookie(c, srv.cookie.as_deref(), t, now, &mut v);
        h.append(b"set-cookie", &v);
    });
    if cacheable {
        h.append(b"cache-control", b"private");
    }
    if srv.cookie.is_some() && direct {
        // The server did not change: only the date was.
        SCK_UPDATED
    } else {
        SCK_INSERTED
    }
}

/// The `Set-Cookie` value HAProxy inserts for a server (one without a value gets the
/// cookie removed).
fn set_cookie(c: &CookieCfg, value: Option<&str>, t: &Txn, now: u32, v: &mut Vec<u8>) {
    v.extend_from_slice(&c.name);
    match value {
        None => v.extend_from_slice(b"=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"),
        Some(val) => {
            v.push(b'=');
            v.extend_from_slice(val.as_bytes());
            if c.maxidle != 0 || c.maxlife != 0 {
                // The last date, then (maxlife) the first one, in 4-second units.
                v.push(b'|');
                s30_to_b64(now.wrapping_add(3) >> 2, v);
                if c.maxlife != 0 {
                    v.push(b'|');
                    let first = if t.first_date != 0 {
                        t.first_date >> 2
                    } else {
                        now.wrapping_add(3) >> 2
                    };
                    s30_to_b64(first, v);
                }
            }
            v.extend_from_slice(b"; path=/");
        }
    }
    if let Some(d) = &c.domain {
        v.extend_from_slice(b"; domain=");
        v.extend_from_slice(d.as_bytes());
    }
    if c.httponly {
        v.extend_from_slice(b"; HttpOnly");
    }
    if c.secure {
        v.extend_from_slice(b"; Secure");
    }
    if let Some(a) = &c.attrs {
        v.extend_from_slice(b"; ");
        v.extend_from_slice(a.as_bytes());
    }
}

/// `http_manage_server_side_cookies`: every `Set-Cookie`, then every `Set-Cookie2`
/// field. Returns what became of the persistence cookie (`SCK_*`; 0: not found).
fn server_cookies(
    c: &CookieCfg,
    srv: &Server,
    dispatch: bool,
    direct: bool,
    t: &Txn,
    h: &mut Headers,
) -> u8 {
    let mut found = 0;
    for name in [&b"set-cookie"[..], b"set-cookie2"] {
        let cookie2 = name == b"set-cookie2";
        let mut i = 0;
        while i < h.len() {
            let Some((n, value)) = h.get_index(i) else {
                break;
            };
            if n != name {
                i += 1;
                continue;
            }
            let orig = value.len();
            let len = SCRATCH.with(|s| {
                let mut buf = s.borrow_mut();
                buf.clear();
                buf.extend_from_slice(value);
                let cap = buf.len() + srv.cookie.as_ref().map_or(0, |v| v.len() + 1);
                buf.resize(cap, 0);
                let field = Field {
                    len: orig,
                    cookie2,
                    dispatch,
                    direct,
                };
                let end = server_field(c, srv.cookie.as_deref(), t, &mut buf, field, &mut found);
                buf.truncate(end);
                end
            });
            let changed = SCRATCH.with(|s| *s.borrow() != *value);
            if len == 0 {
                h.remove_index(i);
            } else {
                if changed {
                    SCRATCH.with(|s| h.set_value_index(i, &s.borrow()));
                }
                i += 1;
            }
        }
    }
    found
}

/// A response cookie field being processed.
#[derive(Clone, Copy)]
struct Field {
    /// Its length at the start of the buffer.
    len: usize,
    /// `Set-Cookie2` (a list of cookies) rather than `Set-Cookie`.
    cookie2: bool,
    /// The response comes from the `dispatch` address, not a server.
    dispatch: bool,
    /// Persistence chose the server that answered.
    direct: bool,
}

/// One `Set-Cookie`/`Set-Cookie2` field in `buf` (which has room for the server's
/// value and `~` after it); returns the new length (0: remove the field).
///
/// HAProxy keeps the field's length when it takes a cookie out of a `Set-Cookie2`
/// list (only rewrites and blank stripping update it), so the end of the old value
/// stays after the shortened list; the same bytes are sent here. `blk` is that length,
/// `end` the end of the list as scanned.
fn server_field(
    c: &CookieCfg,
    srv_cookie: Option<&str>,
    t: &Txn,
    buf: &mut [u8],
    f: Field,
    found: &mut u8,
) -> usize {
    let (cookie2, direct) = (f.cookie2, f.direct);
    let mut end = f.len;
    let mut blk = f.len;
    let mut prev = 0;
    let mut first = true;
    while prev < end {
        let mut k = scan(buf, prev, first, end, cookie2);
        first = false;
        if k.next < end {
            // Set-Cookie holds one cookie (its attributes may contain commas);
            // Set-Cookie2 lists them, separated by commas.
            k.next = if cookie2 {
                hdr_value_end(buf, k.next, end)
            } else {
                end
            };
        }
        if k.equal == k.val_end {
            prev = k.next;
            continue;
        }
        let d = strip_equal(buf, &mut k, end);
        if d != 0 {
            end = shift(end, d);
            blk = end;
        }
        if !t.ignore
            && k.att_end - k.att_beg == c.name.len()
            && buf[k.att_beg..k.att_end] == *c.name
        {
            *found = SCK_FOUND;
            if c.preserve {
                // The server's cookie is left alone.
            } else if (!f.dispatch && c.insert) || (direct && c.indirect) {
                *found = SCK_DELETED;
                if prev == 0 && k.next == end {
                    return 0;
                }
                let mut from = prev;
                let delta = del_value(buf, end, &mut from, k.next);
                k.next = from;
                end = shift(end, delta);
            } else if let (Some(v), true) = (srv_cookie, c.rewrite) {
                *found = SCK_REPLACED;
                let v = v.as_bytes();
                let old = k.val_end - k.val_beg;
                if blk + v.len() > buf.len() + old {
                    return blk;
                }
                buf.copy_within(k.val_end..blk, k.val_beg + v.len());
                buf[k.val_beg..k.val_beg + v.len()].copy_from_slice(v);
                let delta = v.len() as isize - old as isize;
                k.next = shift(k.next, delta);
                end = shift(end, delta);
                blk = shift(blk, delta);
            } else if let (Some(v), true) = (srv_cookie, c.prefix) {
                *found = SCK_REPLACED;
                let v = v.as_bytes();
                if blk + v.len() + 1 > buf.len() {
                    return blk;
                }
                buf.copy_within(k.val_beg..blk, k.val_beg + v.len() + 1);
                buf[k.val_beg..k.val_beg + v.len()].copy_from_slice(v);
                buf[k.val_beg + v.len()] = b'~';
                k.next += v.len() + 1;
                end += v.len() + 1;
                blk += v.len() + 1;
            }
        }
        prev = k.next;
    }
    blk
}

/// HAProxy's `TX_CACHEABLE` for `nocache`: a safe method, a status cacheable by
/// default, and a response that is neither marked private nor without any freshness
/// or validator information (`http_check_response_for_cacheability`).
fn cacheable(method: Method, status: u16, h: &Headers) -> bool {
    let mut ok = matches!(
        method,
        Method::Get | Method::Head | Method::Options | Method::Trace
    ) && matches!(
        status,
        200 | 203 | 204 | 206 | 300 | 301 | 404 | 405 | 410 | 414 | 501
    );
    if status < 200 {
        return false;
    }
    if h.get(b"pragma")
        .is_some_and(|v| v.eq_ignore_ascii_case(b"no-cache"))
    {
        return false;
    }
    let mut fresh = false;
    for v in h.get_all(b"cache-control") {
        for item in v.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            let starts =
                |p: &[u8]| item.len() >= p.len() && item[..p.len()].eq_ignore_ascii_case(p);
            if item.eq_ignore_ascii_case(b"public") {
                ok = true;
            } else if [
                &b"private"[..],
                b"no-cache",
                b"no-store",
                b"max-age=0",
                b"s-maxage=0",
            ]
            .iter()
            .any(|w| item.eq_ignore_ascii_case(w))
            {
                ok = false;
            } else if starts(b"no-cache=\"set-cookie") {
                // Only the cookie may not be cached: the response still may.
            } else if starts(b"s-maxage") || starts(b"max-age") {
                fresh = true;
            }
        }
    }
    if !fresh {
        fresh = h.contains(b"expires");
    }
    let validator = !fresh && (h.contains(b"etag") || h.contains(b"last-modified"));
    ok && (fresh || validator)
}

#[cfg(test)]
#[path = "cookie_tests.rs"]
mod tests;
