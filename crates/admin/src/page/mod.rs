//! The statistics web page (configuration manual 4.2 `stats *`, HAProxy's stats applet):
//! the [`rampart_proxy::stats_applet::Applet`] this layer installs at start-up. The data
//! path recognises page requests and their options; this module renders them from the
//! same rows as `show stat` ([`crate::stat::rows`]): HAProxy's HTML page ([`html`],
//! its listener rows in [`listener`]), or `show stat`'s CSV, typed and JSON outputs;
//! and applies the admin form ([`post`]) through the CLI's functions
//! (`rampart_proxy::checks`, `kill::kill_server`).

mod html;
mod listener;
mod post;

use crate::info::Process;
use crate::stat::{self, Filter, Row};
use rampart_proxy::state::Runtime;
use rampart_proxy::stats_applet::{Format, Query};
use rampart_proxy::Control;
use std::sync::Arc;

/// The page's renderer: what `show stat` and `show info` read.
pub struct Page {
    pub rt: Arc<Runtime>,
    pub ctl: Arc<Control>,
    pub process: Arc<Process>,
}

/// Installs the page's renderer (before the workers start).
pub fn install(rt: &Arc<Runtime>, ctl: &Arc<Control>, process: Arc<Process>) {
    rampart_proxy::stats_applet::install(Box::new(Page {
        rt: rt.clone(),
        ctl: ctl.clone(),
        process,
    }));
}

impl Page {
    /// `show stat`'s rows, restricted as the request and `stats scope` ask.
    fn rows(&self, q: &Query<'_>) -> Vec<Row> {
        let f = Filter {
            hide_down: q.hide_down,
            hide_maint: q.hide_maint,
            legends: q.page.show_legends,
            ..Filter::default()
        };
        let mut rows = stat::rows(&self.rt, &self.ctl, &f);
        rows.retain(|r| in_scope(q, &r.pxname()));
        rows
    }
}

/// HAProxy's proxy filters: `stats scope` names (`.`: the serving proxy), then the
/// request's `scope=` text (a case-insensitive substring).
fn in_scope(q: &Query<'_>, px: &str) -> bool {
    let listed = q.page.scope.is_empty()
        || q.page
            .scope
            .iter()
            .any(|s| s == px || (s == "." && px == q.proxy));
    listed
        && (q.scope.is_empty()
            || px
                .to_ascii_lowercase()
                .contains(&q.scope.to_ascii_lowercase()))
}

impl rampart_proxy::stats_applet::Applet for Page {
    fn render(&self, q: &Query<'_>, out: &mut Vec<u8>) {
        let mut s = String::with_capacity(64 * 1024);
        match q.format {
            Format::JsonSchema => {
                s.push_str(crate::cmd::SCHEMA);
                s.push('\n');
            }
            Format::Csv => {
                stat::csv_header(&mut s);
                for r in &self.rows(q) {
                    stat::csv_row(&mut s, r);
                }
            }
            Format::Typed => {
                for r in &self.rows(q) {
                    stat::typed_row(&mut s, r);
                }
            }
            Format::Json => {
                s.push('[');
                for (i, r) in self.rows(q).iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    stat::json_row(&mut s, r);
                }
                s.push_str("]\n");
            }
            Format::Html => html::page(self, q, &self.rows(q), &mut s),
        }
        out.extend_from_slice(s.as_bytes());
    }

    fn post(&self, _q: &Query<'_>, body: &[u8]) -> &'static str {
        post::apply(&self.rt, body)
    }
}
