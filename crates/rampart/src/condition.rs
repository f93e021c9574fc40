//! `-cc <expr>`: evaluates a `.if` condition against the startup environment and exits
//! 0 (true), 1 (false) or 2 (error), as `init()` in src/haproxy.c does. Splitting the
//! argument like a configuration line and evaluating it is `rampart_config::cond`'s work;
//! this module maps the result to HAProxy's exit status and alert.

use crate::report::Reporter;
use rampart_config::cond;
use rampart_config::env::Env;

/// The exit status of `-cc`, printing HAProxy's alert on error.
pub fn check(expr: &str, env: &Env, report: &mut Reporter) -> u8 {
    match cond::check_condition(expr.as_bytes(), env) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(alert) => {
            report.alert(&alert);
            2
        }
    }
}
