//! The listeners' metrics (`haproxy_listener_*`, HAProxy's
//! `promex_dump_listener_metrics`): the listeners that keep counters (`option
//! socket-stats`), labelled by proxy and listener name, for the `show stat` fields
//! HAProxy exports for them, after the frontends' metrics and before the backends'.

use super::metrics::STAT;
use super::{line, Value};
use crate::field::Val;
use crate::stat::{Obj, Row};

/// The fields HAProxy exports for listeners (`PROMEX_FL_LI_METRIC`), in its order.
const FIELDS: &[&str] = &[
    "scur", "smax", "slim", "stot", "bin", "bout", "dreq", "dresp", "ereq", "status", "dcon",
    "dses", "wrew", "eint",
];

/// HAProxy's listener states (`li_status_st`), one `status` line each.
const STATES: [&str; 3] = ["WAITING", "OPEN", "FULL"];

/// Writes the listeners' metrics of `rows`: metric by metric, each listener under it.
pub(super) fn render(rows: &[Row], out: &mut Vec<u8>) {
    let shown: Vec<&Row> = rows.iter().filter(|r| r.obj == Obj::Listener).collect();
    if shown.is_empty() {
        return;
    }
    for name in FIELDS {
        let Some(m) = STAT.iter().find(|m| m.field == *name) else {
            continue;
        };
        let mut head = true;
        for r in &shown {
            let (px, li) = (r.text("pxname"), r.text("svname"));
            if *name == "status" {
                let now = r.text("status");
                for st in STATES {
                    let labels = [("proxy", px), ("listener", li), ("state", st)];
                    let v = Value::Int(i64::from(now == st));
                    line(out, &mut head, "listener_", m, &labels, v);
                }
                continue;
            }
            let v = match r.get(name) {
                Val::Int(n) => Value::Int(*n),
                _ => Value::NaN,
            };
            line(
                out,
                &mut head,
                "listener_",
                m,
                &[("proxy", px), ("listener", li)],
                v,
            );
        }
    }
}
