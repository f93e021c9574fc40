//! Tests of address parsing ([`super::parse`]) for every caller's options.
#![allow(clippy::unwrap_used)]

use super::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn res() -> HostResolver {
    HostResolver::new(|h| match h {
        "localhost" => Ok(vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]),
        "v6only.test" => Ok(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)]),
        "syslog.example.com" => Ok(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))]),
        _ => Err("not found".into()),
    })
}

fn bind(s: &str) -> Result<SockAddr, String> {
    parse(s, &AddrOpts::BIND, &res())
}
fn server(s: &str) -> Result<SockAddr, String> {
    parse(s, &AddrOpts::SERVER, &res())
}
fn log(s: &str) -> Result<SockAddr, String> {
    parse(s, &AddrOpts::LOG, &res())
}
/// Listeners with the system's check of inherited sockets.
fn listener(s: &str) -> Result<SockAddr, String> {
    let r = res().with_fd_probe(HostResolver::proc_fd_probe);
    parse(s, &AddrOpts::BIND, &r)
}
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::BROADCAST))
}

#[test]
fn bind_ipv4_and_wildcards() {
    let a = bind("10.0.0.1:80").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.host, Host::Ip(ip("10.0.0.1")));
    assert_eq!(a.port, Port::Range(80, 80));
    assert_eq!(bind(":80").map(|a| a.host), Ok(Host::Ip(ip("0.0.0.0"))));
    assert_eq!(bind("*:80").map(|a| a.host), Ok(Host::Ip(ip("0.0.0.0"))));
    assert_eq!(bind(":::80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
    assert_eq!(bind("[::]:80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
    assert_eq!(bind("[::1]:8080").map(|a| a.single_port()), Ok(Some(8080)));
    assert_eq!(bind("ipv6@:80").map(|a| a.host), Ok(Host::Ip(ip("::"))));
    assert_eq!(
        bind("ipv4@127.0.0.1:80").map(|a| a.host),
        Ok(Host::Ip(ip("127.0.0.1")))
    );
    assert_eq!(
        bind("localhost:80").map(|a| a.host),
        Ok(Host::Ip(ip("127.0.0.1")))
    );
    assert_eq!(
        bind("ipv6@localhost:80").map(|a| a.host),
        Ok(Host::Ip(ip("::1")))
    );
}

#[test]
fn bind_ranges_and_errors() {
    assert_eq!(
        bind("127.0.0.1:7000-7009").map(|a| a.port),
        Ok(Port::Range(7000, 7009))
    );
    assert_eq!(
        bind("1.2.3.4").err().as_deref(),
        Some("missing port specification in '1.2.3.4'")
    );
    assert_eq!(bind(":0").err().as_deref(), Some("invalid port '0'"));
    assert_eq!(
        bind(":70000").err().as_deref(),
        Some("invalid port '70000'")
    );
    assert_eq!(
        bind(":90-80").err().as_deref(),
        Some("invalid port range '90-80'")
    );
    assert_eq!(
        bind(":+1").err().as_deref(),
        Some("port offset not permitted here in ':+1'")
    );
    assert_eq!(
        bind(":x").err().as_deref(),
        Some("invalid character 'x' in port number 'x' in ':x'\n")
    );
    assert_eq!(
        bind("nope.invalid:80").err().as_deref(),
        Some("invalid address: 'nope.invalid' in 'nope.invalid:80'\n")
    );
    assert_eq!(
        bind("ipv4@:::80").err().as_deref(),
        Some("invalid address: '::' in 'ipv4@:::80'\n")
    );
    assert!(bind("udp@:80").is_err_and(|e| e.starts_with("dgram-type")));
    assert!(bind("quic4@:443").is_err());
    assert_eq!(
        bind(":99999999999999999999999").err().as_deref(),
        Some("invalid port '99999999999999999999999'")
    );
}

#[test]
fn unix_abns_fd_sockpair() {
    assert_eq!(
        bind("unix@/tmp/x.sock").map(|a| a.host),
        Ok(Host::Unix("/tmp/x.sock".into()))
    );
    assert_eq!(
        bind("/tmp/x.sock").map(|a| a.host),
        Ok(Host::Unix("/tmp/x.sock".into()))
    );
    assert_eq!(
        bind("abns@foo").map(|a| a.host),
        Ok(Host::Abns("foo".into()))
    );
    assert_eq!(bind("fd@3").map(|a| a.host), Ok(Host::Fd(3)));
    assert_eq!(bind("sockpair@4").map(|a| a.host), Ok(Host::SockPair(4)));
    assert!(bind("fd@x").is_err_and(|e| e.contains("is not a valid integer")));
    assert!(bind(&format!("/{}", "a".repeat(200))).is_err_and(|e| e.contains("too long (max 97)")));
    assert!(server("fd@3").is_err_and(|e| e.contains("not acceptable here")));
    assert_eq!(
        bind(""),
        Err("'' resolves to an empty address (environment variable missing?)\n".into())
    );
}

#[test]
fn server_ports_offsets_names() {
    assert_eq!(server("1.2.3.4").map(|a| a.port), Ok(Port::None));
    assert_eq!(server("1.2.3.4:").map(|a| a.port), Ok(Port::None));
    assert_eq!(
        server("1.2.3.4:+1000").map(|a| a.port),
        Ok(Port::Offset(1000))
    );
    assert_eq!(server("1.2.3.4:-10").map(|a| a.port), Ok(Port::Offset(-10)));
    assert_eq!(server("[::1]").map(|a| a.host), Ok(Host::Ip(ip("::1"))));
    assert_eq!(
        server("db.internal:5432").map(|a| a.host),
        Ok(Host::Name {
            name: "db.internal".into(),
            family: None
        })
    );
    assert!(server("1.2.3.4:80-90").is_err_and(|e| e.starts_with("port range not permitted")));
    // "::1" without brackets: the last colon is the port separator.
    assert!(server("::1").is_err() || server("::1").is_ok_and(|a| a.host != Host::Ip(ip("::1"))));
}

#[test]
fn env_expansion() {
    let env = |v: &str| (v == "P").then(|| "8080".to_string());
    assert_eq!(env_expand(":${P}", env), ":8080");
    assert_eq!(env_expand(":$P", env), ":8080");
    assert_eq!(env_expand("a${Q}b", env), "ab");
    assert_eq!(env_expand("$", env), "");
}

#[test]
fn displays() {
    let a = bind("[::1]:80").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.to_string(), "[::1]:80");
    assert_eq!(
        split_list("a:1,b:2,").collect::<Vec<_>>(),
        vec!["a:1", "b:2"]
    );
}

#[test]
fn log_and_listener_forms() {
    let a = log("127.0.0.1").unwrap();
    assert_eq!(a.host, Host::Ip("127.0.0.1".parse().unwrap()));
    assert_eq!((a.port, a.sock), (Port::None, SockType::Dgram));
    assert_eq!(log("10.0.0.1:1514").unwrap().port, Port::Range(1514, 1514));
    assert_eq!(
        log("[::1]:514").unwrap().host,
        Host::Ip("::1".parse().unwrap())
    );
    assert_eq!(log("[::1]").unwrap().port, Port::None);
    assert_eq!(
        log("ipv6@:::514").unwrap().host,
        Host::Ip(Ipv6Addr::UNSPECIFIED.into())
    );
    assert_eq!(
        listener("*:80").unwrap().host,
        Host::Ip(Ipv4Addr::UNSPECIFIED.into())
    );
    assert_eq!(
        listener(":8000-8010").unwrap().port,
        Port::Range(8000, 8010)
    );
    assert_eq!(listener("ipv4@:80x").unwrap().port, Port::Range(80, 80));
    assert_eq!(
        log("tcp@syslog.example.com:514").unwrap(),
        SockAddr {
            host: Host::Ip([192, 0, 2, 1].into()),
            port: Port::Range(514, 514),
            sock: SockType::Stream,
        }
    );
}

#[test]
fn log_and_listener_errors_match_haproxy() {
    assert_eq!(log("127.0.0.1:99999").unwrap_err(), "invalid port '99999'");
    assert_eq!(
        log("1.2.3.4:x").unwrap_err(),
        "invalid character 'x' in port number 'x' in '1.2.3.4:x'\n"
    );
    assert_eq!(
        log("1.2.3.4:1-4").unwrap_err(),
        "port range not permitted here in '1.2.3.4:1-4'"
    );
    assert_eq!(
        log("1.2.3.4:+4").unwrap_err(),
        "port offset not permitted here in '1.2.3.4:+4'"
    );
    assert_eq!(log("::1").unwrap_err(), "invalid address: ':' in '::1'\n");
    assert_eq!(
        log("udp6@1.2.3.4").unwrap_err(),
        "invalid address: '1.2.3.4' in 'udp6@1.2.3.4'\n"
    );
    assert_eq!(
        log("").unwrap_err(),
        "'' resolves to an empty address (environment variable missing?)\n"
    );
    assert_eq!(
        listener("127.0.0.1").unwrap_err(),
        "missing port specification in '127.0.0.1'"
    );
    assert_eq!(listener("1.2.3.4:0").unwrap_err(), "invalid port '0'");
    assert_eq!(listener(":9-8").unwrap_err(), "invalid port range '9-8'");
    assert_eq!(
        listener("udp@:8000").unwrap_err(),
        "dgram-type address not acceptable in 'udp@:8000'\n"
    );
    assert_eq!(
        log("quic4@1.2.3.4").unwrap_err(),
        "unsupported stream protocol for datagram family 2 address 'quic4@1.2.3.4'; QUIC is not \
         compiled in if this is what you were looking for."
    );
    assert_eq!(
        log("bad_host!").unwrap_err(),
        "invalid address: 'bad_host!' in 'bad_host!'\n"
    );
    // As HAProxy: `dgram+` does not turn a QUIC address into a datagram one, and a socket
    // pair is a stream socket only.
    assert_eq!(
        listener("dgram+quic4@:80").unwrap_err(),
        "unsupported stream protocol for datagram family 2 address 'dgram+quic4@:80'; QUIC is \
         not compiled in if this is what you were looking for."
    );
    assert_eq!(
        log("dgram+sockpair@1").unwrap_err(),
        "unsupported datagram protocol for datagram family 48 address 'dgram+sockpair@1'"
    );
    // Ports and descriptors are read as C's atoi/strtol read them.
    assert_eq!(log("1.2.3.4:4294967376").unwrap().port, Port::Range(80, 80));
    assert_eq!(log("fd@+3").unwrap().host, Host::Fd(3));
}

#[test]
fn log_unix_and_fd_forms() {
    assert_eq!(log("/dev/log").unwrap().host, Host::Unix("/dev/log".into()));
    assert_eq!(log("unix@/dev/log").unwrap().sock, SockType::Dgram);
    assert_eq!(log("uxst@/x").unwrap().sock, SockType::Stream);
    assert_eq!(
        listener("/run/haproxy.sock").unwrap().sock,
        SockType::Stream
    );
    assert_eq!(log("abns@foo").unwrap().host, Host::Abns("foo".into()));
    let long = format!("/{}", "a".repeat(97));
    assert_eq!(
        log(&long).unwrap_err(),
        format!("socket path '{long}' too long (max 97)\n")
    );
    assert!(log(&format!("abns@{}", "a".repeat(107))).is_ok());
    assert_eq!(log("fd@1").unwrap().host, Host::Fd(1));
    assert_eq!(
        log("fd@x").unwrap_err(),
        "file descriptor 'x' is not a valid integer in 'fd@x'\n"
    );
    assert_eq!(
        log("fd@-1").unwrap_err(),
        "file descriptor '-1' is not a valid integer in 'fd@-1'\n"
    );
    assert_eq!(
        listener("fd@987654").unwrap_err(),
        "cannot use file descriptor '987654' : Bad file descriptor.\n"
    );
    assert_eq!(
        parse("fd@3", &AddrOpts::CONNECT_PORT, &res()).unwrap_err(),
        "a file descriptor is not acceptable here in 'fd@3'\n"
    );
}

#[test]
fn hostnames() {
    assert!(valid_hostname("a-b_c.example.com"));
    assert!(!valid_hostname("a b"));
    assert!(!valid_hostname(&"a".repeat(64)));
    assert!(!valid_hostname(&"a.".repeat(200)));
}
