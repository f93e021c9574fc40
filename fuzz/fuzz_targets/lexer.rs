//! Fuzz target: one configuration line through the lexer (both option sets), error
//! rendering, and the `.if` / `-cc` condition evaluator on the words it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_config::cond;
use rampart_config::env::Env;
use rampart_config::lexer::{self, LexOptions, LineCtx, MAX_LINE_ARGS};

fuzz_target!(|data: &[u8]| {
    let mut env = Env::empty();
    env.set("A", "x y");
    env.set("EMPTY", "");
    env.set("SP", "  a  b ");
    env.set("LONG", "z".repeat(4096));
    let ctx = LineCtx {
        env: &env,
        file: "fuzz.cfg",
        line: 1,
        section: "sec",
    };

    for opts in [LexOptions::CONFIG, LexOptions::CHECK_CONDITION] {
        match lexer::split_line_full(data, &ctx, opts) {
            Ok(split) => {
                assert!(split.words.len() <= MAX_LINE_ARGS);
                let expr = split.rejoin(1);
                if let Err(e) = cond::eval(&expr, &env) {
                    assert!(e.pos <= expr.len());
                    let _ = e.render(".if", &expr);
                }
            }
            Err(e) => {
                let _ = e.render(data);
                let _ = e.to_string();
            }
        }
    }
    let _ = cond::check_condition(data, &env);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cond::eval(text, &env);
    }
    let pos = data.first().copied().unwrap_or(0) as usize * 7;
    let (shown, caret) = lexer::sanitize_for_printing(data, pos, 80);
    assert!(shown.len() <= 86 && caret <= pos);
});
