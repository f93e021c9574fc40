//! A frontend's capture slots (configuration manual 4.2 `capture request header`,
//! `capture response header`, `declare capture`, `http-request capture`,
//! `http-response capture`, `tcp-request content capture`) and their filling.
//!
//! [`CapSlots`] is built once per frontend: the length of every slot of each direction
//! (whoever declared it) and the headers captured into them. A stream keeps its values
//! in [`Values`] (one per direction, inside the stream's `StreamFx`), whose buffers are
//! reused from one stream to the next: `capture.req.hdr(N)`, `capture.res.hdr(N)` read
//! them now, the logs' `%hr`, `%hs` later. Header captures run as HAProxy's
//! `http_capture_headers`: on the request head before the HTTP rules, on the response
//! head before the response rules; each slot keeps the last occurrence of its header,
//! cut to its length.

use rampart_model::proxy::Proxy;
use rampart_rules::action::tcp::TcpAct;
use rampart_rules::action::CaptureSlot;

/// One header captured into a slot.
#[derive(Debug, Clone)]
pub struct CapHdr {
    /// The header name, lower case (the heads' names are).
    pub name: Box<[u8]>,
    pub index: usize,
    pub len: usize,
}

/// A frontend's capture slots.
#[derive(Debug, Clone, Default)]
pub struct CapSlots {
    /// The length of each request slot, in slot order (`capture ... id` cuts to it).
    pub req_lens: Vec<usize>,
    /// The length of each response slot.
    pub res_lens: Vec<usize>,
    /// `capture request header`.
    pub req_hdrs: Vec<CapHdr>,
    /// `capture response header`.
    pub res_hdrs: Vec<CapHdr>,
}

impl CapSlots {
    /// The slots of frontend `p`: its directives' and those its rules declared with
    /// `len` (its own, and those of the defaults section whose rules it runs).
    pub fn of(p: &Proxy, defaults: &[Proxy]) -> CapSlots {
        let mut s = CapSlots {
            req_lens: vec![0; p.req_captures],
            res_lens: vec![0; p.captures.res_count],
            ..CapSlots::default()
        };
        for d in &p.captures.decls {
            let lens = if d.response {
                &mut s.res_lens
            } else {
                &mut s.req_lens
            };
            if let Some(l) = lens.get_mut(d.index) {
                *l = d.len;
            }
            if let Some(name) = &d.header {
                let h = CapHdr {
                    name: name.to_ascii_lowercase().into_bytes().into(),
                    index: d.index,
                    len: d.len,
                };
                if d.response {
                    s.res_hdrs.push(h);
                } else {
                    s.req_hdrs.push(h);
                }
            }
        }
        let def = p.defpx.and_then(|i| defaults.get(i));
        let http = def
            .into_iter()
            .chain(std::iter::once(p))
            .flat_map(|d| &d.http_request)
            .filter_map(|r| r.act.capture_slot());
        let tcp_def = p.tcp_defaults.as_deref().map(|d| &d.content[..]);
        let tcp = tcp_def
            .into_iter()
            .flatten()
            .chain(&p.tcp_request_content)
            .filter_map(|r| match &*r.act {
                TcpAct::Http(a) => a.capture_slot(),
                _ => None,
            });
        for slot in http.chain(tcp) {
            if let CaptureSlot {
                response: false,
                by_id: false,
                len: Some(len),
                index,
            } = slot
            {
                if let Some(l) = s.req_lens.get_mut(index) {
                    *l = len;
                }
            }
        }
        s
    }

    /// The length of slot `idx` of a direction, if the frontend has it.
    /// How many slots a direction has.
    pub fn count(&self, response: bool) -> usize {
        if response {
            self.res_lens.len()
        } else {
            self.req_lens.len()
        }
    }

    pub fn len(&self, response: bool, idx: usize) -> Option<usize> {
        let lens = if response {
            &self.res_lens
        } else {
            &self.req_lens
        };
        lens.get(idx).copied()
    }
}

/// The captured values of one direction of a stream: a slot is set when its flag is;
/// the bytes keep their storage across streams.
#[derive(Debug, Default)]
pub struct Values(Vec<(bool, Vec<u8>)>);

impl Values {
    /// Forgets the values, keeping the storage.
    pub fn clear(&mut self) {
        for v in &mut self.0 {
            v.0 = false;
        }
    }

    /// Stores `value` cut to `len` bytes in slot `idx`.
    pub fn set(&mut self, idx: usize, value: &[u8], len: usize) {
        if self.0.len() <= idx {
            self.0.resize_with(idx + 1, Default::default);
        }
        let slot = &mut self.0[idx];
        slot.0 = true;
        slot.1.clear();
        slot.1.extend_from_slice(&value[..len.min(value.len())]);
    }

    /// The value of slot `idx`, when set.
    pub fn get(&self, idx: usize) -> Option<&[u8]> {
        match self.0.get(idx)? {
            (true, v) => Some(v),
            _ => None,
        }
    }

    /// HAProxy's `http_capture_headers`: each header of `caps` found in `headers` fills
    /// its slot, the last occurrence winning.
    pub fn capture_headers(&mut self, caps: &[CapHdr], headers: &rampart_h1::Headers) {
        if caps.is_empty() {
            return;
        }
        for (name, value) in headers.iter() {
            for c in caps.iter().filter(|c| *c.name == *name) {
                self.set(c.index, value, c.len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_occurrence_wins_cut_to_length() {
        let mut h = rampart_h1::Headers::new();
        for v in ["first-value", "second", "third-value"] {
            h.append(b"x-a", v.as_bytes());
        }
        h.append(b"x-b", b"b");
        let caps = [
            CapHdr {
                name: Box::from(&b"x-a"[..]),
                index: 1,
                len: 5,
            },
            CapHdr {
                name: Box::from(&b"x-a"[..]),
                index: 0,
                len: 50,
            },
            CapHdr {
                name: Box::from(&b"x-c"[..]),
                index: 2,
                len: 5,
            },
        ];
        let mut v = Values::default();
        v.capture_headers(&caps, &h);
        assert_eq!(v.get(0), Some(&b"third-value"[..]));
        assert_eq!(v.get(1), Some(&b"third"[..]));
        assert_eq!(v.get(2), None);
        v.clear();
        assert_eq!(v.get(0), None);
        v.set(0, b"", 3);
        assert_eq!(v.get(0), Some(&b""[..]));
    }
}
