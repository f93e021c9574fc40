//! The page's HTML, laid out as HAProxy 2.6's (`stats_dump_html_*`): the same element
//! structure, CSS classes, anchors, row classes per server state and form fields, so
//! bookmarklets and screen-scrapers written for HAProxy's page keep working. Values
//! come from `show stat`'s rows.

use super::Page;
use crate::stat::{Obj, Row};
use rampart_proxy::stats_applet::Query;
use std::fmt::Write;

/// The style sheet: HAProxy's class names and colours.
const STYLE: &str = r#"<style type="text/css"><!--
body { font-family: arial, helvetica, sans-serif; font-size: 12px; font-weight: normal; color: black; background: white;}
th,td { font-size: 10px;}
h1 { font-size: x-large; margin-bottom: 0.5em;}
h2 { font-family: helvetica, arial; font-size: x-large; font-weight: bold; font-style: italic; color: #6020a0; margin-top: 0em; margin-bottom: 0em;}
h3 { font-family: helvetica, arial; font-size: 16px; font-weight: bold; color: #b00040; background: #e8e8d0; margin-top: 0em; margin-bottom: 0em;}
li { margin-top: 0.25em; margin-right: 2em;}
.hr {margin-top: 0.25em; border-color: black; border-bottom-style: solid;}
.titre {background: #20D0D0; color: #000000; font-weight: bold; text-align: center;}
.total {background: #20D0D0; color: #ffff80;}
.frontend {background: #e8e8d0;}
.socket {background: #d0d0d0;}
.backend {background: #e8e8d0;}
.active_down {background: #ff9090;}
.active_going_up {background: #ffd020;}
.active_going_down {background: #ffffa0;}
.active_up {background: #c0ffc0;}
.active_nolb {background: #20a0ff;}
.active_draining {background: #20a0FF;}
.active_no_check {background: #e0e0e0;}
.backup_down {background: #ff9090;}
.backup_going_up {background: #ff80ff;}
.backup_going_down {background: #c060ff;}
.backup_up {background: #b0d0ff;}
.backup_nolb {background: #90b0e0;}
.backup_draining {background: #cc9900;}
.backup_no_check {background: #e0e0e0;}
.maintain {background: #c07820;}
.rls {letter-spacing: 0.2em; margin-right: 1px;}
a.px:link, a.px:visited {color: #ffff40; text-decoration: none;}
a.px:hover {color: #ffffff; text-decoration: none;}
a.lfsb:link, a.lfsb:visited {color: #000000; text-decoration: none;}
a.lfsb:hover {color: #505050; text-decoration: none;}
table.tbl { border-collapse: collapse; border-style: none;}
table.tbl td { text-align: right; border-width: 1px; border-style: solid; padding: 2px 3px; border-color: gray; white-space: nowrap;}
table.tbl td.ac { text-align: center;}
table.tbl th { border-width: 1px; border-style: solid; border-color: gray;}
table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; border-style: solid solid none solid; padding: 2px 3px; white-space: nowrap;}
table.tbl th.empty { border-style: none; empty-cells: hide; background: white;}
table.tbl th.desc { background: white; border-style: solid solid none solid; text-align: left; padding: 2px 3px;}
table.lgd { border-collapse: collapse; border-width: 1px; border-style: none none none solid; border-color: black;}
table.lgd td { border-width: 1px; border-style: solid; border-color: gray; padding: 2px;}
table.lgd td.noborder { border-style: none; padding: 2px; white-space: nowrap;}
table.det { border-collapse: collapse; border-style: none;}
table.det th { text-align: left; border-width: 0px; padding: 0px 1px 0px 0px; font-style: normal; font-size: 11px; font-weight: bold; font-family: sans-serif;}
table.det td { text-align: right; border-width: 0px; padding: 0px 0px 0px 4px; white-space: nowrap; font-style: normal; font-size: 11px; font-weight: normal;}
u {text-decoration: none; border-bottom: 1px dotted black;}
div.tips { display: block; visibility: hidden; z-index: 2147483647; position: absolute; padding: 2px 4px 3px; background: #f0f060; color: #000000; border: 1px solid #7040c0; white-space: nowrap; font-style: normal; font-size: 11px; font-weight: normal; border-radius: 3px; box-shadow: gray 2px 2px 3px;}
u:hover div.tips {visibility: visible;}
-->
</style>"#;

/// Text made safe for HTML.
fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// HAProxy's `human_time` as the page prints times: `?` for a negative one ("never").
fn human_time(secs: i64) -> String {
    u64::try_from(secs).map_or_else(|_| "?".into(), crate::sess::human_time)
}

/// A cell holding [`human_time`].
fn time_cell(secs: i64) -> String {
    format!("<td>{}</td>", human_time(secs))
}

/// A limit cell: `-` when none.
fn lim(r: &Row, name: &str) -> String {
    if r.has(name) && r.int(name) > 0 {
        r.int(name).to_string()
    } else {
        "-".into()
    }
}

/// The whole page.
pub(super) fn page(p: &Page, q: &Query<'_>, rows: &[Row], s: &mut String) {
    let node = node_name(p, q);
    s.push_str("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"\n\"http://www.w3.org/TR/html4/loose.dtd\">\n<html><head><title>Statistics Report for HAProxy");
    if let Some(n) = &node {
        s.push_str(" on ");
        esc(s, n);
    }
    s.push_str("</title>\n<link rel=\"icon\" href=\"data:,\">\n<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n");
    s.push_str(STYLE);
    s.push_str("</head>\n");
    info(p, q, node.as_deref(), s);
    let mut i = 0;
    while i < rows.len() {
        let px = rows[i].pxname();
        let start = i;
        while i < rows.len() && rows[i].text("pxname") == px {
            i += 1;
        }
        proxy(p, q, &rows[start..i], s);
    }
    s.push_str("</body></html>\n");
}

/// `stats show-node`: its own name or the global one.
fn node_name(p: &Page, q: &Query<'_>) -> Option<String> {
    let n = q.page.show_node.as_deref()?;
    Some(if n.is_empty() {
        p.process.node.clone()
    } else {
        n.to_string()
    })
}

/// The links keeping the request's options.
fn keep_opts(q: &Query<'_>, up: bool, norefresh: bool) -> String {
    let mut l = q.page.uri.clone();
    if up {
        l.push_str(";up");
    }
    if norefresh {
        l.push_str(";norefresh");
    }
    if !q.scope.is_empty() {
        let _ = write!(l, "?scope={}", q.scope);
    }
    l
}

/// The process information block, the legend, the display options and the status of
/// the last action.
fn info(p: &Page, q: &Query<'_>, node: Option<&str>, s: &mut String) {
    let f = crate::info::fields(&p.process, &p.rt, &p.ctl);
    let get = |name: &str| -> i64 {
        f.iter()
            .find(|x| x.name == name)
            .and_then(|x| match x.val {
                crate::field::Val::Int(n) => Some(n),
                _ => None,
            })
            .unwrap_or(0)
    };
    let up = p.process.start.elapsed().as_secs();
    let version = if q.page.hide_version {
        String::new()
    } else {
        format!(
            " version {}, released {}",
            p.process.version, p.process.release_date
        )
    };
    let _ = write!(
        s,
        "<body><h1><a href=\"http://www.haproxy.org/\" style=\"text-decoration: none;\">HAProxy{version}</a></h1>\n<h2>Statistics Report for pid {}",
        p.process.pid
    );
    if let Some(n) = node {
        s.push_str(" on ");
        esc(s, n);
    }
    if let Some(d) = &q.page.show_desc {
        let d = if d.is_empty() {
            p.process.description.as_deref()
        } else {
            Some(d.as_str())
        };
        if let Some(d) = d {
            s.push_str(": ");
            esc(s, d);
        }
    }
    let memmax = get("Memmax_MB");
    let _ = write!(
        s,
        "</h2>\n<hr width=\"100%\" class=\"hr\">\n<h3>&gt; General process information</h3>\n\
<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n\
<p><b>pid = </b> {} (process #1, nbproc = 1, nbthread = {})<br>\n\
<b>uptime = </b> {}d {}h{:02}m{:02}s<br>\n\
<b>system limits:</b> memmax = {}; ulimit-n = {}<br>\n\
<b>maxsock = </b> {}; <b>maxconn = </b> {}; <b>maxpipes = </b> {}<br>\n\
current conns = {}; current pipes = {}/{}; conn rate = {}/sec; bit rate = 0.000 kbps<br>\n\
Running tasks: {}/{}; idle = {} %<br>\n</td><td align=\"center\" nowrap>\n",
        p.process.pid,
        get("Nbthread"),
        up / 86400,
        (up % 86400) / 3600,
        (up % 3600) / 60,
        up % 60,
        if memmax > 0 {
            format!("{memmax} MB")
        } else {
            "unlimited".into()
        },
        get("Ulimit-n"),
        get("Maxsock"),
        get("Maxconn"),
        get("Maxpipes"),
        get("CurrConns"),
        get("PipesUsed"),
        get("PipesUsed") + get("PipesFree"),
        get("ConnRate"),
        get("Run_queue"),
        get("Tasks"),
        get("Idle_pct"),
    );
    legend(s);
    display_options(q, s);
    status_message(q, s);
}

/// The colour legend.
fn legend(s: &mut String) {
    s.push_str("<table class=\"lgd\"><tr>\n");
    let cell = |s: &mut String, class: &str, text: &str, span: &str| {
        let _ = write!(
            s,
            "<td class=\"{class}\">&nbsp;</td><td class=\"noborder\"{span}>{text} </td>"
        );
    };
    cell(s, "active_up", "active UP", "");
    cell(s, "backup_up", "backup UP", "");
    s.push_str("</tr><tr>\n");
    cell(s, "active_going_down", "active UP, going down", "");
    cell(s, "backup_going_down", "backup UP, going down", "");
    s.push_str("</tr><tr>\n");
    cell(s, "active_going_up", "active DOWN, going up", "");
    cell(s, "backup_going_up", "backup DOWN, going up", "");
    s.push_str("</tr><tr>\n");
    cell(s, "active_down", "active or backup DOWN &nbsp;", "");
    cell(s, "active_no_check", "not checked", "");
    s.push_str("</tr><tr>\n");
    cell(
        s,
        "maintain",
        "active or backup DOWN for maintenance (MAINT) &nbsp;",
        " colspan=\"3\"",
    );
    s.push_str("</tr><tr>\n");
    cell(
        s,
        "active_draining",
        "active or backup SOFT STOPPED for maintenance &nbsp;",
        " colspan=\"3\"",
    );
    s.push_str("</tr></table>\nNote: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.</td>");
}

/// The display options and external links.
fn display_options(q: &Query<'_>, s: &mut String) {
    s.push_str("<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>Display option:</b><ul style=\"margin-top: 0.25em;\">");
    let _ = writeln!(
        s,
        "<li><form method=\"GET\">Scope : <input value=\"{}\" name=\"scope\" size=\"8\" maxlength=\"20\" tabindex=\"1\"/></form>",
        q.scope
    );
    if q.hide_down {
        let _ = writeln!(
            s,
            "<li><a href=\"{}\">Show all servers</a><br>",
            keep_opts(q, false, q.no_refresh)
        );
    } else {
        let _ = writeln!(
            s,
            "<li><a href=\"{}\">Hide 'DOWN' servers</a><br>",
            keep_opts(q, true, q.no_refresh)
        );
    }
    if q.page.refresh > 0 {
        if q.no_refresh {
            let _ = writeln!(
                s,
                "<li><a href=\"{}\">Enable refresh</a><br>",
                keep_opts(q, q.hide_down, false)
            );
        } else {
            let _ = writeln!(
                s,
                "<li><a href=\"{}\">Disable refresh</a><br>",
                keep_opts(q, q.hide_down, true)
            );
        }
    }
    let _ = writeln!(
        s,
        "<li><a href=\"{}\">Refresh now</a><br>",
        keep_opts(q, q.hide_down, q.no_refresh)
    );
    let scope = if q.scope.is_empty() {
        String::new()
    } else {
        format!("?scope={}", q.scope)
    };
    let nr = if q.page.refresh > 0 { ";norefresh" } else { "" };
    let uri = &q.page.uri;
    let _ = write!(
        s,
        "<li><a href=\"{uri};csv{nr}{scope}\">CSV export</a><br>\n<li><a href=\"{uri};json{nr}{scope}\">JSON export</a> (<a href=\"{uri};json-schema\">schema</a>)<br>\n</ul></td>"
    );
    s.push_str("<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>External resources:</b><ul style=\"margin-top: 0.25em;\">\n<li><a href=\"http://www.haproxy.org/\">Primary site</a><br>\n<li><a href=\"http://www.haproxy.org/#down\">Updates (v2.6)</a><br>\n<li><a href=\"http://www.haproxy.org/#docs\">Online manual</a><br>\n</ul></td></tr></table>\n");
}

/// The message about the last admin action (`;st=`).
fn status_message(q: &Query<'_>, s: &mut String) {
    let Some(code) = q.status else { return };
    let (class, text) = match code {
        "DONE" => ("active_up", "Action processed successfully."),
        "NONE" => ("active_going_down", "Nothing has changed."),
        "PART" => ("active_going_down", "Action partially processed.<br>Some server names are probably unknown or ambiguous (duplicated names in the backend)."),
        "ERRP" => ("active_down", "Action not processed because of invalid parameters.<ul><li>The action is maybe unknown.</li><li>Invalid key parameter (empty or too long).</li><li>The backend name is probably unknown or ambiguous (duplicated names).</li><li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>"),
        "EXCD" => ("active_down", "<b>Action not processed : the buffer couldn't store all the data.<br>You should retry with less servers at a time.</b>"),
        "DENY" => ("active_down", "<b>Action denied.</b>"),
        "IVAL" => ("active_down", "<b>Invalid requests (unsupported method or chunked encoded request).</b>"),
        _ => ("active_no_check", "Unexpected result."),
    };
    let _ = write!(
        s,
        "<p><div class={class}><a class=lfsb href=\"{}\" title=\"Remove this message\">[X]</a> {text}</div>\n<p>\n",
        keep_opts(q, q.hide_down, q.no_refresh)
    );
}

/// One proxy's tables: title, column heads, its rows, the admin form's end.
fn proxy(p: &Page, q: &Query<'_>, rows: &[Row], s: &mut String) {
    let Some(first) = rows.first() else { return };
    let name = first.pxname();
    let be = p.rt.backends.iter().find(|b| b.name == name);
    let form = q.admin && be.is_some_and(|b| !b.servers.is_empty());
    if form {
        s.push_str("<form method=\"post\">");
    }
    let legends = q.page.show_legends;
    let _ = write!(
        s,
        "<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\"><th class=\"pxname\" width=\"10%\"><a name=\"{name}\"></a>{}<a class=px href=\"#{name}\">{name}</a>",
        if legends { "<u>" } else { "" }
    );
    if legends {
        let fe = p.rt.frontends.iter().find(|f| f.name == name);
        let cap = match (fe.is_some(), be.is_some()) {
            (true, true) => "FE|BE",
            (true, false) => "FE",
            _ => "BE",
        };
        let _ = write!(
            s,
            "<div class=tips>cap: {cap}, mode: {}, id: {}</div>",
            first.text("mode"),
            first.int("iid")
        );
    }
    let _ = write!(
        s,
        "{}</th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\">",
        if legends { "</u>" } else { "" }
    );
    if q.admin {
        if form {
            let _ = write!(s, "<th rowspan=2 width=1><input type=\"checkbox\" onclick=\"for(c in document.getElementsByClassName('{name}-checkbox')) document.getElementsByClassName('{name}-checkbox').item(c).checked = this.checked\"></th>");
        } else {
            s.push_str("<th rowspan=2></th>");
        }
    }
    s.push_str("<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th><th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th><th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th>");
    if q.page.show_modules {
        s.push_str("<th colspan=0>Extra modules</th>");
    }
    s.push_str("</tr>\n<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th>\n</tr>");
    for r in rows {
        match r.obj {
            Obj::Frontend => frontend_row(q, r, s),
            Obj::Server => server_row(q, r, s),
            Obj::Backend => backend_row(q, r, s),
            Obj::Listener => super::listener::row(q, r, s),
        }
    }
    s.push_str("</table>");
    if form {
        let iid = be.map_or(0, |b| b.uuid);
        let _ = write!(s, "Choose the action to perform on the checked servers : <select name=action><option value=\"\"></option><option value=\"ready\">Set state to READY</option><option value=\"drain\">Set state to DRAIN</option><option value=\"maint\">Set state to MAINT</option><option value=\"dhlth\">Health: disable checks</option><option value=\"ehlth\">Health: enable checks</option><option value=\"hrunn\">Health: force UP</option><option value=\"hnolb\">Health: force NOLB</option><option value=\"hdown\">Health: force DOWN</option><option value=\"dagent\">Agent: disable checks</option><option value=\"eagent\">Agent: enable checks</option><option value=\"arunn\">Agent: force UP</option><option value=\"adown\">Agent: force DOWN</option><option value=\"shutdown\">Kill Sessions</option></select><input type=\"hidden\" name=\"b\" value=\"#{iid}\">&nbsp;<input type=\"submit\" value=\"Apply\"></form>");
    }
    s.push_str("<p>\n");
}

/// A tip table row.
fn tip(s: &mut String, label: &str, v: impl std::fmt::Display) {
    let _ = write!(s, "<tr><th>{label}</th><td>{v}</td></tr>");
}

/// A frontend's connection, session and (HTTP) request rates in a tip: `Current` ones
/// or the `Max` ones (fields suffixed `_max`).
fn rate_tips(s: &mut String, r: &Row, http: bool, which: &str, suffix: &str) {
    let rate = |f: &str| format!("{}/s", r.int(&format!("{f}{suffix}")));
    tip(s, &format!("{which} connection rate:"), rate("conn_rate"));
    tip(s, &format!("{which} session rate:"), rate("rate"));
    if http {
        tip(s, &format!("{which} request rate:"), rate("req_rate"));
    }
}

fn frontend_row(q: &Query<'_>, r: &Row, s: &mut String) {
    let name = r.text("pxname");
    let http = r.text("mode") == "http";
    s.push_str("<tr class=\"frontend\">");
    if q.admin {
        s.push_str("<td></td>");
    }
    let _ = write!(
        s,
        "<td class=ac><a name=\"{name}/Frontend\"></a><a class=lfsb href=\"#{name}/Frontend\">Frontend</a></td><td colspan=3></td><td><u>{}<div class=tips><table class=det>",
        r.int("rate")
    );
    rate_tips(s, r, http, "Current", "");
    let _ = write!(
        s,
        "</table></div></u></td><td><u>{}<div class=tips><table class=det>",
        r.int("rate_max")
    );
    rate_tips(s, r, http, "Max", "_max");
    let _ = write!(
        s,
        "</table></div></u></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><u>{}<div class=tips><table class=det>",
        lim(r, "rate_lim"),
        r.int("scur"),
        r.int("smax"),
        r.int("slim"),
        r.int("stot")
    );
    tip(s, "Cum. connections:", r.int("conn_tot"));
    tip(s, "Cum. sessions:", r.int("stot"));
    if http {
        tip(s, "Cum. HTTP requests:", r.int("req_tot"));
        for (l, f) in [
            ("- HTTP 1xx responses:", "hrsp_1xx"),
            ("- HTTP 2xx responses:", "hrsp_2xx"),
            ("- HTTP 3xx responses:", "hrsp_3xx"),
            ("- HTTP 4xx responses:", "hrsp_4xx"),
            ("- HTTP 5xx responses:", "hrsp_5xx"),
            ("- other responses:", "hrsp_other"),
            ("Intercepted requests:", "intercepted"),
            ("Failed hdr rewrites:", "wrew"),
            ("Internal errors:", "eint"),
        ] {
            tip(s, l, r.int(f));
        }
    }
    let _ = write!(
        s,
        "</table></div></u></td><td></td><td></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td></td><td></td><td></td><td class=ac>{}</td><td class=ac colspan=8></td></tr>",
        r.int("bin"),
        r.int("bout"),
        r.int("dreq"),
        r.int("dresp"),
        r.int("ereq"),
        r.text("status")
    );
}

/// HAProxy's row class for a server: its state, then active or backup.
pub(crate) fn server_class(r: &Row) -> String {
    let st = r.text("status");
    if st.starts_with("MAINT") {
        return "maintain".into();
    }
    let style = if st == "DOWN" || st == "DOWN (agent)" {
        "down"
    } else if st.starts_with("DOWN ") {
        "going_up"
    } else if st == "DRAIN" {
        "draining"
    } else if st.starts_with("NOLB ") {
        "going_down"
    } else if st == "NOLB" {
        "nolb"
    } else if st == "no check" {
        "no_check"
    } else if r.int("weight") > 0 {
        "up"
    } else {
        "draining"
    };
    let side = if r.int("bck") != 0 {
        "backup"
    } else {
        "active"
    };
    format!("{side}_{style}")
}

fn server_row(q: &Query<'_>, r: &Row, s: &mut String) {
    let px = r.text("pxname");
    let sv = r.text("svname");
    let http = r.text("mode") == "http";
    let _ = write!(s, "<tr class=\"{}\">", server_class(r));
    if q.admin {
        let _ = write!(
            s,
            "<td><input class='{px}-checkbox' type=\"checkbox\" name=\"s\" value=\"{sv}\"></td>"
        );
    }
    let legends = q.page.show_legends;
    let _ = write!(
        s,
        "<td class=ac><a name=\"{px}/{sv}\"></a>{}<a class=lfsb href=\"#{px}/{sv}\">{sv}</a>",
        if legends { "<u>" } else { "" }
    );
    if legends {
        s.push_str("<div class=tips>");
        let addr = r.text("addr");
        if addr.starts_with(|c: char| c.is_ascii_digit()) {
            let _ = write!(s, "IPv4: {addr}, ");
        } else if addr.starts_with('[') {
            let _ = write!(s, "IPv6: {addr}, ");
        } else if !addr.is_empty() {
            let _ = write!(s, "{addr}, ");
        }
        let _ = write!(s, "id: {}", r.int("sid"));
        if r.has("cookie") {
            s.push_str(", cookie: '");
            esc(s, r.text("cookie"));
            s.push('\'');
        }
        s.push_str("</div>");
    }
    let _ = write!(
        s,
        "{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td><u>{}<div class=tips><table class=det>",
        if legends { "</u>" } else { "" },
        r.int("qcur"),
        r.int("qmax"),
        lim(r, "qlimit"),
        r.int("rate"),
        r.int("rate_max"),
        r.int("scur")
    );
    tip(s, "Current active connections:", r.int("scur"));
    tip(s, "Current used connections:", r.int("used_conn_cur"));
    tip(s, "Current idle connections:", r.int("srv_icur"));
    tip(s, "Active connections limit:", lim(r, "slim"));
    tip(s, "Idle connections limit:", lim(r, "srv_ilim"));
    let _ = write!(
        s,
        "</table></div></u></td><td>{}</td><td>{}</td><td><u>{}<div class=tips><table class=det>",
        r.int("smax"),
        lim(r, "slim"),
        r.int("stot")
    );
    tip(s, "Cum. sessions:", r.int("stot"));
    if http {
        tip(s, "New connections:", r.int("connect"));
        tip(s, "Reused connections:", r.int("reuse"));
        tip(s, "Cum. HTTP requests:", r.int("req_tot"));
    }
    times(r, http, s);
    let _ = write!(
        s,
        "</table></div></u></td><td>{}</td>{}<td>{}</td><td>{}</td><td></td><td>{}</td><td></td><td>{}</td><td><u>{}<div class=tips>Connection resets during transfers: {} client, {} server</div></u></td><td>{}</td><td>{}</td>",
        r.int("lbtot"),
        time_cell(r.int("lastsess")),
        r.int("bin"),
        r.int("bout"),
        r.int("dresp"),
        r.int("econ"),
        r.int("eresp"),
        r.int("cli_abrt"),
        r.int("srv_abrt"),
        r.int("wretr"),
        r.int("wredis")
    );
    let st = r.text("status");
    s.push_str("<td class=ac>");
    let since = human_time(r.int("lastchg"));
    if st.starts_with("MAINT") {
        let _ = write!(s, "{since} MAINT");
    } else if st == "no check" {
        s.push_str("<i>no check</i>");
    } else {
        let _ = write!(s, "{since} {st}");
        // The arrow of a server on its way up or down. HAProxy compares unsigned
        // numbers, so a server without checks (all three 0) gets the down arrow.
        let health = r.int("check_health") as u32;
        let bound = (r.int("check_rise") as u32)
            .wrapping_add(r.int("check_fall") as u32)
            .wrapping_sub(1);
        if st.starts_with("DOWN") {
            if health != 0 {
                s.push_str(" &uarr;");
            }
        } else if health < bound {
            s.push_str(" &darr;");
        }
    }
    if r.has("check_status") {
        let _ = write!(s, "</td><td class=ac><u> {}", r.text("check_status"));
        if r.has("check_code") {
            let _ = write!(s, "/{}", r.int("check_code"));
        }
        if r.has("check_duration") {
            let _ = write!(s, " in {}ms", r.int("check_duration"));
        }
        s.push_str("<div class=tips>");
        esc(s, r.text("check_desc"));
        s.push_str("</div></u>");
    } else {
        s.push_str("</td><td>");
    }
    let bck = r.int("bck") != 0;
    let _ = write!(
        s,
        "</td><td class=ac>{}/{}</td><td class=ac>{}</td><td class=ac>{}</td>",
        r.int("weight"),
        r.int("uweight"),
        if bck { "-" } else { "Y" },
        if bck { "Y" } else { "-" }
    );
    if r.has("chkfail") {
        let _ = write!(
            s,
            "<td><u>{}<div class=tips>Failed Health Checks</div></u></td><td>{}</td>{}",
            r.int("chkfail"),
            r.int("chkdown"),
            time_cell(r.int("downtime"))
        );
    } else {
        s.push_str("<td colspan=3></td>");
    }
    if r.has("throttle") {
        let _ = writeln!(s, "<td class=ac>{} %</td>", r.int("throttle"));
    } else {
        s.push_str("<td class=ac>-</td>");
    }
    s.push_str("</tr>\n");
}

/// The "Max / Avg over last 1024 success. conn." block of a tip.
fn times(r: &Row, http: bool, s: &mut String) {
    s.push_str("<tr><th colspan=3>Max / Avg over last 1024 success. conn.</th></tr>");
    let mut one = |label: &str, max: &str, avg: &str| {
        let _ = write!(
            s,
            "<tr><th>{label}</th><td>{} / {}</td><td>ms</td></tr>",
            r.int(max),
            r.int(avg)
        );
    };
    one("- Queue time:", "qtime_max", "qtime");
    one("- Connect time:", "ctime_max", "ctime");
    if http {
        one("- Responses time:", "rtime_max", "rtime");
    }
    one("- Total time:", "ttime_max", "ttime");
}

fn backend_row(q: &Query<'_>, r: &Row, s: &mut String) {
    let name = r.text("pxname");
    let http = r.text("mode") == "http";
    s.push_str("<tr class=\"backend\">");
    if q.admin {
        s.push_str("<td></td>");
    }
    let legends = q.page.show_legends;
    let _ = write!(
        s,
        "<td class=ac>{}<a name=\"{name}/Backend\"></a><a class=lfsb href=\"#{name}/Backend\">Backend</a>",
        if legends { "<u>" } else { "" }
    );
    if legends {
        let _ = write!(s, "<div class=tips>balancing: {}", r.text("algo"));
        if r.has("cookie") {
            s.push_str(", cookie: '");
            esc(s, r.text("cookie"));
            s.push('\'');
        }
        s.push_str("</div>");
    }
    let _ = write!(
        s,
        "{}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td>{}</td><td></td><td>{}</td><td>{}</td><td>{}</td><td><u>{}<div class=tips><table class=det>",
        if legends { "</u>" } else { "" },
        r.int("qcur"),
        r.int("qmax"),
        r.int("rate"),
        r.int("rate_max"),
        r.int("scur"),
        r.int("smax"),
        r.int("slim"),
        r.int("stot")
    );
    tip(s, "Cum. sessions:", r.int("stot"));
    if http {
        tip(s, "New connections:", r.int("connect"));
        tip(s, "Reused connections:", r.int("reuse"));
        tip(s, "Cum. HTTP requests:", r.int("req_tot"));
        tip(s, "Intercepted requests:", r.int("intercepted"));
    }
    times(r, http, s);
    let st = r.text("status");
    let status = if st == "DOWN" {
        "<font color=\"red\"><b>DOWN</b></font>"
    } else {
        st
    };
    let since = if r.has("lastchg") {
        format!("{} ", human_time(r.int("lastchg")))
    } else {
        String::new()
    };
    let downtime = if r.has("downtime") {
        human_time(r.int("downtime"))
    } else {
        "&nbsp;".into()
    };
    let _ = write!(
        s,
        "</table></div></u></td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td>{}</td><td><u>{}<div class=tips>Connection resets during transfers: {} client, {} server</div></u></td><td>{}</td><td>{}</td><td class=ac>{since}{status}</td><td class=ac>&nbsp;</td><td class=ac>{}/{}</td><td class=ac>{}</td><td class=ac>{}</td><td class=ac>&nbsp;</td><td>{}</td><td>{downtime}</td><td></td></tr>",
        r.int("lbtot"),
        time_cell(r.int("lastsess")),
        r.int("bin"),
        r.int("bout"),
        r.int("dreq"),
        r.int("dresp"),
        r.int("econ"),
        r.int("eresp"),
        r.int("cli_abrt"),
        r.int("srv_abrt"),
        r.int("wretr"),
        r.int("wredis"),
        r.int("weight"),
        r.int("uweight"),
        r.int("act"),
        r.int("bck"),
        r.int("chkdown")
    );
}
