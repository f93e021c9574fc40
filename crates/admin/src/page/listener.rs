//! A listener's row on the page (`option socket-stats`), laid out as HAProxy 2.6's
//! (`stats_dump_fields_html`, `STATS_TYPE_SO`): sessions, bytes, denials, request
//! errors and its status; with `stats show-legends`, its address and id in a tip.

use crate::stat::Row;
use rampart_proxy::stats_applet::Query;
use std::fmt::Write;

/// A listener's row (`option socket-stats`): sessions, bytes, denials, request errors
/// and its status; with `stats show-legends`, its address and id in a tip.
pub(super) fn row(q: &Query<'_>, r: &Row, s: &mut String) {
    let px = r.text("pxname");
    let sv = r.text("svname");
    let legends = q.page.show_legends;
    s.push_str("<tr class=socket>");
    if q.admin {
        s.push_str("<td></td>");
    }
    let _ = write!(
        s,
        "<td class=ac><a name=\"{px}/+{sv}\"></a>{}<a class=lfsb href=\"#{px}/+{sv}\">{sv}</a>",
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
        let _ = write!(s, "id: {}</div>", r.int("sid"));
    }
    let _ = write!(
        s,
        "{}</td><td colspan=3></td><td colspan=3>&nbsp;</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>&nbsp;</td><td>&nbsp;</td><td>{}</td><td>{}</td>",
        if legends { "</u>" } else { "" },
        r.int("scur"),
        r.int("smax"),
        r.int("slim"),
        r.int("stot"),
        r.int("bin"),
        r.int("bout")
    );
    let _ = write!(
        s,
        "<td>{}</td><td>{}</td><td>{}</td><td></td><td></td><td></td><td></td><td class=ac>{}</td><td class=ac colspan=8></td></tr>",
        r.int("dreq"),
        r.int("dresp"),
        r.int("ereq"),
        r.text("status")
    );
}
