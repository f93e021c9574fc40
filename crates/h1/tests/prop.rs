//! Property-style loops over mutated messages (a small xorshift generator, no
//! extra dependency): no panic, `Complete(n)` within the input, the same verdict
//! whatever the split, and accepted heads re-serialize to a fixed point.

use rampart_h1::{
    parse_request, parse_response, write_request, write_response, ChunkedScanner, ParseOpts,
    Parsed, RequestHead, ResponseHead,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: [&[u8]; 4] = [
    b"GET /a?b HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\nX: 1\r\n\r\n",
    b"POST http://a:80/x HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n",
    b"\r\nPUT / HTTP/1.0\nContent-Length: 5, 5\nX: a\n b\n\n",
    b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nExpect: 100-continue\r\n\r\n",
];

const ALPHABET: &[u8] = b"\r\n :,;\t\0\x7f\x80aZ09/-*\"@HTTP/1.1chunkedcontent-length";

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let pos = rng.below(v.len() + 1);
        let b = ALPHABET[rng.below(ALPHABET.len())];
        match rng.below(3) {
            0 if pos < v.len() => v[pos] = b,
            1 if pos < v.len() => {
                v.remove(pos);
            }
            _ => v.insert(pos, b),
        }
    }
    v
}

fn req_verdict(
    input: &[u8],
    o: &ParseOpts,
    h: &mut RequestHead,
) -> Result<Option<Vec<u8>>, rampart_h1::ErrorKind> {
    match parse_request(input, o, h) {
        Ok(Parsed::Complete(n)) => {
            assert!(n <= input.len());
            let mut out = Vec::new();
            write_request(h, &mut out, None);
            Ok(Some(out))
        }
        Ok(Parsed::Partial) => Ok(None),
        Err(e) => {
            assert!(e.offset <= input.len().max(o.max_head));
            Err(e.kind)
        }
    }
}

#[test]
fn requests() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..4000 {
        let seed = SEEDS[round % SEEDS.len()];
        let input = mutate(&mut rng, seed);
        let o = ParseOpts {
            accept_invalid: round % 3 == 0,
            ..ParseOpts::default()
        };
        let mut h = RequestHead::new();
        let whole = req_verdict(&input, &o, &mut h);
        let split = rng.below(input.len() + 1);
        let mut h2 = RequestHead::new();
        let mut got = req_verdict(&input[..split], &o, &mut h2);
        if got == Ok(None) {
            got = req_verdict(&input, &o, &mut h2);
        }
        assert_eq!(
            got,
            whole,
            "split {split} of {:?}",
            String::from_utf8_lossy(&input)
        );
        if let Ok(Some(out)) = whole {
            let mut h3 = RequestHead::new();
            let again = req_verdict(&out, &o, &mut h3);
            assert_eq!(
                again,
                Ok(Some(out.clone())),
                "not a fixed point: {:?}",
                String::from_utf8_lossy(&out)
            );
        }
    }
}

#[test]
fn responses() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let seed: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\nX: a\r\n\r\nok";
    for _ in 0..3000 {
        let input = mutate(&mut rng, seed);
        let o = ParseOpts::default();
        let mut h = ResponseHead::new();
        if let Ok(Parsed::Complete(n)) = parse_response(&input, &o, &mut h) {
            assert!(n <= input.len());
            let mut out = Vec::new();
            write_response(&h, &mut out, None);
            let mut h2 = ResponseHead::new();
            assert_eq!(
                parse_response(&out, &o, &mut h2),
                Ok(Parsed::Complete(out.len()))
            );
        }
    }
}

#[test]
fn chunked_bodies() {
    let mut rng = Rng(0x0bad_cafe_dead_beef);
    let seed: &[u8] = b"4\r\nabcd\r\n1;e=\"x\"\r\nz\r\n0\r\nT: v\r\n\r\n";
    for _ in 0..3000 {
        let input = mutate(&mut rng, seed);
        let mut s = ChunkedScanner::default();
        let whole = s.scan(&input).map(|r| (r.forward, r.done));
        if let Ok((f, _)) = whole {
            assert!(f <= input.len());
        }
        let split = rng.below(input.len() + 1);
        let mut s = ChunkedScanner::default();
        let parts = s.scan(&input[..split]).and_then(|a| {
            if a.done {
                Ok((a.forward, true))
            } else {
                s.scan(&input[split..])
                    .map(|b| (a.forward + b.forward, b.done))
            }
        });
        assert_eq!(parts, whole);
    }
}
