//! Fuzz target: arbitrary bytes through the HTTP/1 codec: request and response
//! head parsing (strict and accept-invalid, whole and split in two, which must
//! agree), serialization of accepted heads, and the chunked-body scanner on the
//! bytes after the head, whole and split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_h1::{
    parse_request, parse_response, write_request, write_response, ChunkedScanner, Method,
    ParseOpts, Parsed, RequestHead, ResponseHead,
};

fuzz_target!(|data: &[u8]| {
    let split = data.first().copied().unwrap_or(0) as usize % (data.len() + 1);
    for accept_invalid in [false, true] {
        let opts = ParseOpts {
            accept_invalid,
            max_head: 4096,
            max_headers: 16,
            ..ParseOpts::default()
        };

        let mut req = RequestHead::new();
        let whole = parse_request(data, &opts, &mut req);
        let mut body_start = None;
        match whole {
            Ok(Parsed::Complete(n)) => {
                assert!(n <= data.len());
                body_start = Some(n);
                let mut out = Vec::new();
                write_request(&req, &mut out, None);
                let _ = req.body_kind();
                let _ = req.keep_alive();
            }
            Ok(Parsed::Partial) => {}
            Err(e) => assert!(e.offset <= data.len().max(opts.max_head)),
        }
        let mut again = RequestHead::new();
        let mut r = parse_request(&data[..split], &opts, &mut again);
        if r == Ok(Parsed::Partial) {
            r = parse_request(data, &opts, &mut again);
        }
        assert_eq!(r.map_err(|e| e.kind), whole.map_err(|e| e.kind));

        let mut res = ResponseHead::new();
        match parse_response(data, &opts, &mut res) {
            Ok(Parsed::Complete(n)) => {
                assert!(n <= data.len());
                let mut out = Vec::new();
                write_response(&res, &mut out, None);
                let _ = res.body_kind(Method::Get);
                let _ = res.keep_alive_for(Method::Head);
            }
            Ok(Parsed::Partial) => {}
            Err(e) => assert!(e.offset <= data.len().max(opts.max_head)),
        }

        let body = &data[body_start.unwrap_or(0)..];
        let mut scanner = ChunkedScanner::new(&opts);
        let full = scanner.scan(body).map(|s| (s.forward, s.done));
        if let Ok((forward, _)) = full {
            assert!(forward <= body.len());
        }
        let cut = split.min(body.len());
        let mut scanner = ChunkedScanner::new(&opts);
        let parts = scanner.scan(&body[..cut]).and_then(|a| {
            if a.done {
                Ok((a.forward, true))
            } else {
                scanner
                    .scan(&body[cut..])
                    .map(|b| (a.forward + b.forward, b.done))
            }
        });
        assert_eq!(parts, full);
    }
});
