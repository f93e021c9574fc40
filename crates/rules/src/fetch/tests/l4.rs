//! Layer 4 and 5 fetches, and the listener/proxy/server ones: what the orchestrator
//! answers, with HAProxy's conversions (ports of 0, milliseconds, error texts).

use super::*;
use crate::stream::NoEnv;

fn addr(s: &str) -> Option<SocketAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn addresses_and_ports() {
    let t = TestEnv {
        src: addr("[2001:db8::1]:4000"),
        dst: addr("127.0.0.1:80"),
        conn: Some((addr("192.0.2.7:0"), addr("127.0.0.2:8080"))),
        server_conn: Some((addr("127.0.0.1:50000"), addr("10.1.2.3:8000"))),
        local: vec!["127.0.0.1:0".parse().unwrap()],
        ..TestEnv::default()
    };
    let s = Stream::new(&t);
    check_all(
        &s,
        &[
            ("src", Some("2001:db8::1")),
            ("src_port", Some("4000")),
            ("src_is_local", Some("false")),
            ("dst", Some("127.0.0.1")),
            ("dst_port", Some("80")),
            ("dst_is_local", Some("true")),
            // The connection's own addresses; a port of 0 is no sample.
            ("fc_src", Some("192.0.2.7")),
            ("fc_src_port", None),
            ("fc_dst", Some("127.0.0.2")),
            ("fc_dst_port", Some("8080")),
            ("fc_dst_is_local", Some("false")),
            ("bc_src", Some("127.0.0.1")),
            ("bc_src_port", Some("50000")),
            ("bc_dst", Some("10.1.2.3")),
            ("bc_dst_port", Some("8000")),
        ],
    );
    // Without distinct connection addresses, fc_* are the stream's.
    let t = TestEnv {
        src: addr("10.0.0.1:1234"),
        ..TestEnv::default()
    };
    check_all(
        &Stream::new(&t),
        &[("fc_src", Some("10.0.0.1")), ("fc_src_port", Some("1234"))],
    );
    check_all(
        &Stream::new(&NoEnv),
        &[("src", None), ("bc_dst", None), ("dst_is_local", None)],
    );
}

#[test]
fn tcp_info_figures() {
    let t = TestEnv {
        tcp: Some(TcpInfo {
            rtt: 1499,
            rttvar: 1500,
            unacked: 1,
            sacked: 2,
            lost: 3,
            retrans: 4,
            fackets: 5,
            reordering: 6,
        }),
        ..TestEnv::default()
    };
    check_all(
        &Stream::new(&t),
        &[
            ("fc_rtt", Some("1")),
            ("fc_rtt(ms)", Some("1")),
            ("fc_rtt(us)", Some("1499")),
            ("fc_rttvar", Some("2")),
            ("fc_rttvar(us)", Some("1500")),
            ("fc_unacked", Some("1")),
            ("fc_sacked", Some("2")),
            ("fc_lost", Some("3")),
            ("fc_retrans", Some("4")),
            ("fc_fackets", Some("5")),
            ("fc_reordering", Some("6")),
        ],
    );
    assert_eq!(compile_err("fc_rtt(s)"), "expects 'us' or 'ms', got 's'");
    assert_eq!(one("fc_rtt", &Stream::new(&NoEnv)), None);
}

#[test]
fn connection_errors_and_proxy_header() {
    let t = TestEnv {
        err: Some((15, 0)),
        ..TestEnv::default()
    };
    check_all(
        &Stream::new(&t),
        &[
            ("fc_err", Some("15")),
            (
                "fc_err_str",
                Some("Received something which does not look like a PROXY protocol header"),
            ),
            ("bc_err", Some("0")),
            ("bc_err_str", Some("Success")),
            ("fc_rcvd_proxy", None),
            ("fc_pp_authority", None),
            ("fc_http_major", None),
        ],
    );
    assert_eq!(conn_err_str(43), Some("SSL fatal error"));
    assert_eq!(conn_err_str(44), None);
    assert_eq!(
        conn_err_str(24),
        Some("Connection closed during SSL handshake")
    );
}

#[test]
fn proxies_and_servers() {
    let t = TestEnv {
        stats: vec![
            (Stat::Conn, Target::Frontend(None), 3),
            (Stat::Conn, Target::Backend(Some(2)), 7),
            (Stat::IsUp, Target::Server(Some((1, 0))), 1),
            (Stat::Weight, Target::Server(Some((1, 0))), 12),
            (Stat::TimeoutClient, Target::Frontend(None), 5000),
            (Stat::TimeoutServer, Target::Backend(None), 0),
        ],
        ..TestEnv::default()
    };
    let s = Stream::new(&t);
    let run = |name: &str, args: Vec<Arg>| {
        let d = find(name).unwrap();
        (d.f)(&s, &args, &mut Iter::single()).map(|v| show(&v))
    };
    assert_eq!(run("fe_conn", vec![]).as_deref(), Some("3"));
    assert_eq!(run("be_conn", vec![Arg::Proxy(2)]).as_deref(), Some("7"));
    assert_eq!(run("be_conn", vec![]), None);
    assert_eq!(
        run("srv_is_up", vec![Arg::Server(1, 0)]).as_deref(),
        Some("true")
    );
    assert_eq!(
        run("srv_weight", vec![Arg::Server(1, 0)]).as_deref(),
        Some("12")
    );
    assert_eq!(run("srv_uweight", vec![Arg::Server(1, 0)]), None);
    assert_eq!(run("fe_client_timeout", vec![]).as_deref(), Some("5000"));
    assert_eq!(run("be_server_timeout", vec![]).as_deref(), Some("0"));
    assert_eq!(run("be_tunnel_timeout", vec![]), None);
    assert_eq!(run("fe_defbe", vec![]), None);
    assert_eq!(run("so_name", vec![]), None);
}
