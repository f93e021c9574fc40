//! The statistics page's hook (HAProxy's `http_stats_applet`): the data path
//! (`http/stats_page.rs`) recognises a request for a proxy's `stats uri`, applies its
//! access rules and reads the request's options; what the page shows and what its admin
//! form does belongs to the runtime API's layer (`rampart-admin`), which installs its
//! [`Applet`] once at start-up, before the workers run. The data path then calls it on
//! the worker thread: rendering reads atomics only and writes into the caller's pooled
//! buffer, and an admin action goes through the same functions as the CLI's.

use rampart_model::proxy::stats_page::StatsPage;
use std::sync::OnceLock;

/// The output format a request asks for (`;csv`, `;json`, `;typed`, `;json-schema`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Csv,
    Json,
    Typed,
    JsonSchema,
}

impl Format {
    /// The `content-type` HAProxy sends with it.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html",
            Format::Json | Format::JsonSchema => "application/json",
            Format::Csv | Format::Typed => "text/plain",
        }
    }
}

/// One request for the page, as `http_handle_stats` reads it.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    pub page: &'a StatsPage,
    /// The proxy serving the page (`stats scope .`).
    pub proxy: &'a str,
    pub format: Format,
    /// `;up`: servers not UP are hidden.
    pub hide_down: bool,
    /// `;no-maint`.
    pub hide_maint: bool,
    /// `;norefresh` (only read when the page has a refresh).
    pub no_refresh: bool,
    /// `;st=XXXX`: the status of the last admin action (`None`: no message), `UNKN`
    /// for a code HAProxy does not know.
    pub status: Option<&'static str>,
    /// `;scope=<text>`: the substring proxy names must contain (empty: all).
    pub scope: &'a str,
    /// `stats admin` granted admin mode to this request.
    pub admin: bool,
}

/// What renders the page and applies its admin form.
pub trait Applet: Send + Sync {
    /// Appends the response body for `q` to `out`.
    fn render(&self, q: &Query<'_>, out: &mut Vec<u8>);
    /// Applies a posted admin form (`s=<server>&...&action=<a>&b=<backend>`) and
    /// returns HAProxy's status code for the redirection (`DONE`, `NONE`, `PART`,
    /// `ERRP`, `EXCD`).
    fn post(&self, q: &Query<'_>, body: &[u8]) -> &'static str;
}

static APPLET: OnceLock<Box<dyn Applet>> = OnceLock::new();

/// Installs the page's renderer (once, at start-up; later calls are ignored).
pub fn install(a: Box<dyn Applet>) {
    let _ = APPLET.set(a);
}

/// The installed renderer, if any.
pub fn get() -> Option<&'static dyn Applet> {
    APPLET.get().map(|b| &**b)
}

/// HAProxy's admin status codes (`stat_status_codes`) in its order.
pub const STATUS_CODES: [&str; 7] = ["DONE", "NONE", "PART", "ERRP", "EXCD", "DENY", "IVAL"];

/// The status text `;st=` names (`UNKN` for a code HAProxy does not know).
pub fn status_code(text: &[u8]) -> &'static str {
    STATUS_CODES
        .iter()
        .find(|c| text.starts_with(c.as_bytes()))
        .copied()
        .unwrap_or("UNKN")
}
