//! Unit tests of the action engine: parsing (HAProxy's messages, warnings, what each
//! action keeps) and execution on real heads.

use super::*;
use crate::conv::Cx;
use crate::stream::{Dir, NoEnv};
use crate::vars::StreamVars;
use rampart_h1::{
    parse_request, parse_response, write_request, write_response, ParseOpts, Parsed, RequestHead,
    ResponseHead,
};

mod exec;
mod haproxy_messages;
mod parse;

/// Files served from memory.
#[derive(Default)]
pub(super) struct Files(pub Vec<(&'static str, Vec<u8>)>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, d)| d.clone())
            .ok_or_else(|| format!("no file {path}"))
    }
}

/// Parses one action (the whole slice must be used).
pub(super) fn act(set: RuleSet, words: &[&str]) -> HttpAct {
    let files = Files::default();
    let mut cx = ActCx::new("px", &files);
    cx.experimental = true;
    let mut idx = 0;
    let a =
        http::parse(set, words, &mut idx, &mut cx).unwrap_or_else(|e| panic!("{words:?}: {e:?}"));
    assert_eq!(idx, words.len(), "{words:?}");
    a
}

pub(super) fn req_head(raw: &str) -> RequestHead {
    let mut h = RequestHead::new();
    let r = parse_request(raw.as_bytes(), &ParseOpts::default(), &mut h);
    assert!(matches!(r, Ok(Parsed::Complete(_))), "{raw}: {r:?}");
    h
}

pub(super) fn res_head(raw: &str) -> ResponseHead {
    let mut h = ResponseHead::new();
    let r = parse_response(raw.as_bytes(), &ParseOpts::default(), &mut h);
    assert!(matches!(r, Ok(Parsed::Complete(_))), "{raw}: {r:?}");
    h
}

/// What running actions produced.
pub(super) struct Run {
    pub verdicts: Vec<String>,
    pub req: String,
    pub res: String,
    pub out: Vec<u8>,
    pub strict: bool,
}

/// Runs `acts` in order on the request (and response, if any), with `env`, as one
/// rule set (strict mode at the start), stopping at the first verdict that is not
/// `Continue`, `RewriteFailed` or an effect.
pub(super) fn run_env(
    acts: &[HttpAct],
    raw_req: &str,
    raw_res: Option<&str>,
    env: &dyn crate::stream::Env,
    vars: &StreamVars,
) -> Run {
    let mut req = req_head(raw_req);
    let mut res = raw_res.map(res_head);
    let cx = Cx::default();
    let mut scratch = Scratch::default();
    let mut tx = Txn {
        env,
        req: Some(&mut req),
        res: res.as_mut(),
        req_data: &[],
        res_data: &[],
        req_complete: true,
        dir: if raw_res.is_some() {
            Dir::Res
        } else {
            Dir::Req
        },
        vars,
        cx: &cx,
        scratch: &mut scratch,
        strict: true,
    };
    let mut verdicts = Vec::new();
    for a in acts {
        let v = a.exec(&mut tx);
        let stop = !matches!(
            v,
            Verdict::Continue | Verdict::RewriteFailed | Verdict::Effect(_)
        );
        verdicts.push(format!("{v:?}"));
        if stop {
            break;
        }
    }
    let strict = tx.strict;
    let out = tx.scratch.out.clone();
    let mut r = Vec::new();
    write_request(&req, &mut r, None);
    let mut s = Vec::new();
    if let Some(h) = &res {
        write_response(h, &mut s, None);
    }
    Run {
        verdicts,
        req: String::from_utf8_lossy(&r).into_owned(),
        res: String::from_utf8_lossy(&s).into_owned(),
        out,
        strict,
    }
}

pub(super) fn run(acts: &[HttpAct], raw_req: &str) -> Run {
    run_env(acts, raw_req, None, &NoEnv, &StreamVars::default())
}
