//! The statistics web page (`stats uri`), fetched with curl from Rampart and from
//! HAProxy 2.6 running the same configuration: status codes, the authentication
//! challenge, the `;csv` export against the CLI's `show stat`, the HTML rows and their
//! state classes (UP, DOWN, MAINT, DRAIN, backup), `stats hide-version`, `stats
//! refresh`, `stats scope`, and the admin form changing a server's state and traffic.

#![allow(clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::Duration;
use support::*;

/// `curl -si <args>`: the response, head and body.
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-si", "--max-time", "5"])
        .args(args)
        .output()
        .expect("curl is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A page with authentication and admin mode on `port`, a backend with UP, DOWN
/// (nothing listening, checked), MAINT, DRAIN and backup servers, another backend that
/// `stats scope` leaves out of the second page on `port + 1`.
fn config(sock: &str, port: u16, o1: u16, dead: u16) -> String {
    format!(
        "global\n\
         \x20   stats socket {sock} level admin\n\
         defaults\n\
         \x20   mode http\n\
         \x20   timeout client 10s\n\
         \x20   timeout server 10s\n\
         \x20   timeout connect 2s\n\
         listen st\n\
         \x20   bind 127.0.0.1:{port}\n\
         \x20   stats enable\n\
         \x20   stats uri /stats\n\
         \x20   stats realm Ops\\ Page\n\
         \x20   stats auth admin:secret\n\
         \x20   stats admin if {{ src 127.0.0.1 }}\n\
         \x20   stats refresh 7s\n\
         \x20   stats hide-version\n\
         listen ro\n\
         \x20   bind 127.0.0.1:{p1}\n\
         \x20   stats uri /\n\
         \x20   stats scope be\n\
         frontend fe\n\
         \x20   bind 127.0.0.1:{p2}\n\
         \x20   default_backend be\n\
         backend be\n\
         \x20   server up1 127.0.0.1:{o1} check inter 100ms\n\
         \x20   server down1 127.0.0.1:{dead} check inter 100ms fall 1\n\
         \x20   server m1 127.0.0.1:{o1} disabled\n\
         \x20   server dr1 127.0.0.1:{o1} weight 0\n\
         \x20   server bk1 127.0.0.1:{o1} backup\n\
         backend other\n\
         \x20   server o1 127.0.0.1:{o1}\n",
        p1 = port + 1,
        p2 = port + 2,
    )
}

/// `(row class, anchor)` of every row of the HTML page, in order.
fn rows(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<tr class=").skip(1) {
        let class = part
            .trim_start_matches('"')
            .split(['"', '>'])
            .next()
            .unwrap_or("")
            .to_string();
        if class == "titre" {
            continue;
        }
        let anchor = part
            .split("<a name=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or("")
            .to_string();
        out.push((class, anchor));
    }
    out
}

/// `(anchor, status cell)` of every server and backend row, the time since the last
/// change masked (`T UP`, `T MAINT`, with HAProxy's arrows).
fn status_cells(html: &str) -> Vec<(String, String)> {
    let time = regex::Regex::new(r"^(\d+[dhms])+ ").expect("a valid regex");
    let mut out = Vec::new();
    for row in html.split("<tr class=").skip(1) {
        let Some(anchor) = row
            .split("<a name=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
        else {
            continue;
        };
        if !anchor.contains('/') || anchor.ends_with("/Frontend") {
            continue;
        }
        let cell = row
            .split("<td class=ac>")
            .nth(2)
            .and_then(|c| c.split("</td>").next())
            .unwrap_or("");
        out.push((anchor.to_string(), time.replace(cell, "T ").into_owned()));
    }
    out
}

fn header<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    resp.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

struct Running {
    _p: Proc,
    port: u16,
    sock: String,
}

fn start(prog: &str, dir: &TempDir, port: u16, o1: u16, dead: u16) -> Running {
    let sock = dir
        .join(&format!("{prog}.sock"))
        .to_string_lossy()
        .into_owned();
    let cfg = config(&sock, port, o1, dead);
    let l = if prog == "haproxy" {
        Launch::haproxy(prog, dir, &cfg)
    } else {
        Launch::rampart(prog, dir, &cfg)
    };
    let p = l.ready_tcp(local(port + 2)).spawn();
    // The DOWN server's check fails within its first interval.
    let addr = format!("unix-connect:{sock}");
    wait_until(Duration::from_secs(5), || {
        let st = socat(&addr, "show stat\n");
        st.lines()
            .any(|l| l.starts_with("be,down1,") && l.contains(",DOWN,"))
            && st
                .lines()
                .any(|l| l.starts_with("be,up1,") && l.contains(",UP,"))
    });
    Running { _p: p, port, sock }
}

#[test]
fn page_as_haproxy() {
    let dir = TempDir::new("stats-page");
    let o1 = free_port();
    let _origin = named_origin(o1, "o1");
    let dead = free_port();
    let rp = free_ports(3);
    let hp = free_ports(3);
    let r = start("rampart", &dir, rp, o1, dead);
    let h = start("haproxy", &dir, hp, o1, dead);
    // DRAIN through the CLI on both.
    for x in [&r, &h] {
        socat(
            &format!("unix-connect:{}", x.sock),
            "set server be/dr1 state drain\n",
        );
    }
    let get = |x: &Running, path: &str, auth: bool| {
        let url = format!("http://127.0.0.1:{}{path}", x.port);
        if auth {
            curl(&["-u", "admin:secret", &url])
        } else {
            curl(&[&url])
        }
    };
    // Without credentials: 401 with the realm.
    for x in [&r, &h] {
        let resp = get(x, "/stats", false);
        assert!(resp.starts_with("HTTP/1.1 401"), "{resp}");
        assert_eq!(
            header(&resp, "www-authenticate"),
            Some("Basic realm=\"Ops Page\""),
            "{resp}"
        );
        let bad = curl(&[
            "-u",
            "admin:wrong",
            &format!("http://127.0.0.1:{}/stats", x.port),
        ]);
        assert!(bad.starts_with("HTTP/1.1 401"), "{bad}");
    }
    let page_r = get(&r, "/stats", true);
    let page_h = get(&h, "/stats", true);
    for p in [&page_r, &page_h] {
        assert!(p.starts_with("HTTP/1.1 200"), "{p}");
        assert_eq!(header(p, "refresh"), Some("7"));
        assert_eq!(header(p, "content-type"), Some("text/html"));
        // `stats hide-version`.
        assert!(!p.contains(" version "), "version shown");
    }
    let (rows_r, rows_h) = (rows(&page_r), rows(&page_h));
    assert_eq!(rows_r, rows_h);
    // The status cells: time since the last change, state, arrows.
    let cells = status_cells(&page_r);
    assert_eq!(cells, status_cells(&page_h));
    assert!(
        cells.contains(&("be/up1".into(), "T UP".into())),
        "{cells:?}"
    );
    for want in [
        ("active_up", "be/up1"),
        ("active_down", "be/down1"),
        ("maintain", "be/m1"),
        ("active_draining", "be/dr1"),
        ("backend", "be/Backend"),
    ] {
        assert!(
            rows_r.iter().any(|(c, a)| c == want.0 && a == want.1),
            "{want:?} in {rows_r:?}"
        );
    }
    assert!(rows_r
        .iter()
        .any(|(c, a)| c.starts_with("backup_") && a == "be/bk1"));
    // `;norefresh` drops the header.
    for x in [&r, &h] {
        let p = get(x, "/stats;norefresh", true);
        assert_eq!(header(&p, "refresh"), None, "{p}");
    }
    // `;csv` is the CLI's `show stat` (same header as HAProxy's).
    let csv_r = get(&r, "/stats;csv;norefresh", true);
    let csv_h = get(&h, "/stats;csv;norefresh", true);
    let body = |s: &str| {
        s.split_once("\r\n\r\n")
            .map(|x| x.1.to_string())
            .unwrap_or_default()
    };
    let first = |s: &str| s.lines().next().unwrap_or("").to_string();
    assert_eq!(first(&body(&csv_r)), first(&body(&csv_h)));
    assert_eq!(header(&csv_r, "content-type"), Some("text/plain"));
    let cli = socat(&format!("unix-connect:{}", r.sock), "show stat\n");
    let names = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join("/"))
            .collect()
    };
    // The CLI's view (no `GLOBAL`-style internal rows on the page either).
    assert_eq!(names(&body(&csv_r)), names(&cli));
    assert_eq!(names(&body(&csv_r)), names(&body(&csv_h)));
    // `;json`.
    let json = get(&r, "/stats;json", true);
    assert_eq!(header(&json, "content-type"), Some("application/json"));
    assert!(body(&json).starts_with("[["), "{json}");
    // `stats scope be`: only that proxy on the second page (no auth there).
    for x in [&r, &h] {
        let p = curl(&[&format!("http://127.0.0.1:{}/;csv", x.port + 1)]);
        let n = names(&body(&p));
        assert!(
            !n.is_empty() && n.iter().all(|x| x.starts_with("be/")),
            "{n:?}"
        );
    }
    // `;up` hides the servers that are not UP.
    let up = rows(&get(&r, "/stats;up", true));
    assert!(!up.iter().any(|(_, a)| a == "be/down1" || a == "be/m1"));
    assert_eq!(rows(&get(&h, "/stats;up", true)), up);
}

#[test]
fn admin_form_as_haproxy() {
    let dir = TempDir::new("stats-admin");
    let o1 = free_port();
    let _origin = named_origin(o1, "o1");
    let dead = free_port();
    let port = free_ports(3);
    let prog = if std::env::var_os("RAMPART_UNDER_TEST")
        .is_some_and(|p| p.to_string_lossy().contains("haproxy"))
    {
        "haproxy"
    } else {
        "rampart"
    };
    let x = start(prog, &dir, port, o1, dead);
    let cli = format!("unix-connect:{}", x.sock);
    let stat_of = |srv: &str| -> String {
        socat(&cli, "show stat\n")
            .lines()
            .find(|l| l.starts_with(&format!("be,{srv},")))
            .and_then(|l| l.split(',').nth(17).map(str::to_string))
            .unwrap_or_default()
    };
    let url = format!("http://127.0.0.1:{port}/stats");
    // The admin form is on the page.
    let page = curl(&["-u", "admin:secret", &url]);
    assert!(page.contains("<select name=action>"), "no admin form");
    assert!(page.contains("name=\"s\" value=\"up1\""));
    // `be` is the fifth proxy (the stats socket's frontend is the first): `#5`.
    let post = curl(&[
        "-u",
        "admin:secret",
        "-d",
        "s=up1&s=bk1&action=maint&b=%235",
        &url,
    ]);
    assert!(post.starts_with("HTTP/1.1 303"), "{post}");
    assert_eq!(header(&post, "location"), Some("/stats;st=DONE"));
    assert_eq!(stat_of("up1"), "MAINT");
    assert_eq!(stat_of("bk1"), "MAINT");
    // No server left: the frontend's requests get 503, none reaches the origin.
    let fe = format!("http://127.0.0.1:{}/", port + 2);
    let r = curl(&[&fe]);
    assert!(r.starts_with("HTTP/1.1 503"), "{r}");
    // Back to READY by name.
    let post = curl(&[
        "-u",
        "admin:secret",
        "-d",
        "s=up1&s=bk1&action=ready&b=be",
        &url,
    ]);
    assert_eq!(header(&post, "location"), Some("/stats;st=DONE"));
    wait_until(Duration::from_secs(5), || stat_of("up1") == "UP");
    assert_eq!(stat_of("up1"), "UP");
    let r = curl(&[&fe]);
    assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("o1"), "{r}");
    // An unknown server only, or an unknown backend: ERRP.
    let post = curl(&["-u", "admin:secret", "-d", "s=nope&action=maint&b=be", &url]);
    assert_eq!(header(&post, "location"), Some("/stats;st=ERRP"));
    let post = curl(&["-u", "admin:secret", "-d", "s=up1&action=maint&b=zz", &url]);
    assert_eq!(header(&post, "location"), Some("/stats;st=ERRP"));
    // The status message on the page.
    let p = curl(&["-u", "admin:secret", &format!("{url};st=DONE")]);
    assert!(p.contains("Action processed successfully."));
}

#[test]
fn post_without_admin_is_denied() {
    let dir = TempDir::new("stats-deny");
    let o1 = free_port();
    let _origin = named_origin(o1, "o1");
    let dead = free_port();
    let port = free_ports(3);
    let x = start("rampart", &dir, port, o1, dead);
    // The scoped page has no `stats admin`.
    let post = curl(&[
        "-d",
        "s=up1&action=maint&b=be",
        &format!("http://127.0.0.1:{}/", port + 1),
    ]);
    assert!(post.starts_with("HTTP/1.1 303"), "{post}");
    assert_eq!(header(&post, "location"), Some("/;st=DENY"));
    let st = socat(&format!("unix-connect:{}", x.sock), "show stat\n");
    assert!(st
        .lines()
        .any(|l| l.starts_with("be,up1,") && l.contains(",UP,")));
    let h = start("haproxy", &dir, free_ports(3), o1, dead);
    let post = curl(&[
        "-d",
        "s=up1&action=maint&b=be",
        &format!("http://127.0.0.1:{}/", h.port + 1),
    ]);
    assert_eq!(header(&post, "location"), Some("/;st=DENY"));
}

/// The README's first command runs `examples/quickstart.cfg`: it serves its page, its
/// health answer, the statistics page and the metrics by itself (ports moved to free
/// ones, the file otherwise as shipped).
#[test]
fn quickstart_example_serves_its_pages() {
    let dir = TempDir::new("quickstart");
    let (web, st) = (free_port(), free_port());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/quickstart.cfg");
    let cfg = std::fs::read_to_string(path)
        .expect("examples/quickstart.cfg")
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{web}"))
        .replace("127.0.0.1:8404", &format!("127.0.0.1:{st}"));
    let _p = Launch::rampart("q", &dir, &cfg)
        .ready_tcp(local(web))
        .ready_tcp(local(st))
        .spawn();
    let (status, body) = http_get(connect(local(web)), "/");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Rampart</h1>"), "{body}");
    assert_eq!(
        http_get(connect(local(web)), "/health"),
        (200, "OK".to_string())
    );
    let (status, body) = http_get(connect(local(st)), "/");
    assert_eq!(status, 200);
    assert!(body.contains("welcome") && body.contains("stats"), "{body}");
    let (status, body) = http_get(connect(local(st)), "/metrics");
    assert_eq!(status, 200);
    assert!(
        body.contains("haproxy_frontend_http_requests_total{proxy=\"welcome\"}"),
        "{body}"
    );
}
