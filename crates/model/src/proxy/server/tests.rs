//! Tests of server lines and options.

use super::*;
use crate::proxy::testutil::*;

#[test]
fn basics_and_addresses() {
    let r = run("backend b\n server s1 127.0.0.1:8080 weight 10 backup maxconn 5 maxqueue 2 minconn 1 id 4\n server s2 [::1]:+1000\n server s3 db.test\n server s4 unix@/tmp/s.sock disabled\n server s5 abns@x\n server s6 10.0.0.1:-5\n");
    let b = r.proxy("b");
    assert_eq!(b.servers.len(), 6);
    let s1 = &b.servers[0];
    assert_eq!(s1.port, ServerPort::Fixed(8080));
    assert_eq!(
        (
            s1.settings.weight,
            s1.settings.backup,
            s1.settings.maxconn,
            s1.id
        ),
        (10, true, 5, Some(4))
    );
    assert_eq!(b.servers[1].port, ServerPort::Mapped(1000));
    assert_eq!(
        b.servers[2].addr,
        ServerAddr::Name {
            name: "db.test".into(),
            family: None
        }
    );
    assert_eq!(b.servers[2].port, ServerPort::Mapped(0));
    assert!(b.servers[3].settings.disabled);
    assert_eq!(b.servers[5].port, ServerPort::Mapped(-5));
}

#[test]
fn server_errors() {
    let r = run("backend b\n server s1 1.2.3.4:80 weight 300\n");
    assert!(r.has_alert("'server b/s1' : weight of server s1 is not within 0 and 256 (300).."));
    let r = run("backend b\n server s2 1.2.3.4:80 foo\n");
    assert!(r.has_alert("'server b/s2' : unknown keyword 'foo'; did you mean 'tfo' maybe ?"));
    let r = run("backend b\n server s3 1.2.3.4:80 id 0\n");
    assert!(r.has_alert("'server b/s3' : 'id' : custom id has to be > 0."));
    let r = run("backend b\n server s4\n");
    assert!(r.has_alert("'server' expects <name> and <addr>[:<port>] as arguments."));
    let r = run("frontend f\n server x 1.2.3.4:80\n");
    assert!(r.has_alert(
        "parsing [t.cfg:2] : 'server' not allowed because frontend 'f' has no backend capability."
    ));
    let r = run("defaults\n server x 1.2.3.4:80\n");
    assert!(r.has_alert("'server' not allowed in 'defaults' section."));
    let r = run("backend b\n server a/b 1.2.3.4:80\n");
    assert!(r.has_alert("character '/' is not permitted in server name 'a/b'."));
    let r = run("backend b\n server s 1.2.3.4:80-90\n");
    assert!(r.has_alert("'server b/s' : port range not permitted here in '1.2.3.4:80-90'"));
    let r = run("backend b\n server s 1.2.3.4:80 ssl\n");
    assert!(r.has_alert("'server b/s' : 'ssl' is not supported yet"));
    let r = run("backend b\n server s 1.2.3.4:80 id 2\n server t 1.2.3.4:80 id 2\n");
    assert!(r.has_alert("'server b/t' : 'id' : custom id 2 already used at t.cfg:2 ('server s')."));
}

#[test]
fn default_server_inheritance_and_negation() {
    let r = run("defaults\n default-server inter 3s fall 5 send-proxy backup\nbackend b\n default-server rise 4\n server s 1.2.3.4:80 check no-backup no-send-proxy\n server t 1.2.3.4:81\n");
    let b = r.proxy("b");
    let s = &b.servers[0].settings;
    assert!(s.check.enabled && !s.backup && !s.send_proxy);
    assert_eq!((s.check.inter, s.check.fall, s.check.rise), (3000, 5, 4));
    let t = &b.servers[1].settings;
    assert!(t.backup && t.send_proxy && !t.check.enabled);
    let r = run("backend b\n default-server id 3\n");
    assert!(r.has_nonfatal_alert("'id' option is not accepted in default-server sections"));
    assert!(r.valid());
    let r = run("backend b\n default-server 1.2.3.4\n");
    assert!(
        r.has_alert("unknown keyword '1.2.3.4'. Hint: no address was expected for this server.")
    );
}

#[test]
fn templates() {
    let r = run(
        "backend b\n server-template api 3 app.test:80 check\n server-template w 5-6 app.test\n",
    );
    let names: Vec<&str> = r
        .proxy("b")
        .servers
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, vec!["api1", "api2", "api3", "w5", "w6"]);
    let r = run("backend b\n server-template api x app.test:80\n");
    assert!(r.has_alert("Wrong server-template number or range arg 'x'."));
    let r = run("backend b\n server-template api 3-1 app.test:80\n");
    assert!(r.has_alert("Wrong server-template number or range arg '3-1'."));
    let r = run("backend b\n server-template api 1\n");
    assert!(r.has_alert(
        "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments."
    ));
    let r = run("backend b\n server-template a:b 1 app.test\n");
    assert!(r.has_alert("character ':' is not permitted in server-template prefix 'a:b'."));
    let r = run("backend b\n server-template a 99999999999 app.test\n");
    assert!(!r.valid());
}

#[test]
fn option_values() {
    let r = run("backend b\n server s 1.2.3.4:80 init-addr last,libc,none resolvers dns resolve-prefer ipv4 resolve-net 10.0.0.0/8 resolve-opts allow-dup-ip send-proxy-v2 proxy-v2-options unique-id,authority tfo namespace ns on-error mark-down slowstart 1500 error-limit 3 pool-max-conn -1 pool-purge-delay 5s ws h2 source 10.0.0.2 usesrc clientip interface eth0 non-stick\nresolvers dns\n");
    assert!(r.clean());
    let s = &r.proxy("b").servers[0].settings;
    assert_eq!(
        s.init_addr,
        Some(vec![InitAddr::Last, InitAddr::Libc, InitAddr::None])
    );
    assert_eq!(s.resolvers.as_deref(), Some("dns"));
    assert!(
        s.send_proxy_v2 && s.proxy_v2_options.unique_id && s.proxy_v2_options.authority && s.tfo
    );
    assert_eq!(s.slowstart, 2);
    assert_eq!(
        s.source.as_ref().map(|x| x.usesrc.clone()),
        Some(Some(UseSrc::ClientIp))
    );
    assert_eq!(
        s.source.as_ref().and_then(|x| x.interface.clone()),
        Some("eth0".into())
    );
    assert!(s.non_stick);
    let r = run("backend b\n server s 1.2.3.4:80 tcp-ut 2s\n");
    assert!(r.has_alert("'server b/s' : 'tcp-ut' is not supported yet"));
    let r = run("backend b\n server s 1.2.3.4:80 init-addr foo\n");
    assert!(r.has_alert("'server b/s' : 'init-addr' : unknown init-addr method 'foo', supported methods are 'libc', 'last', 'none'.."));
    let r = run("backend b\n server s 1.2.3.4:80 proxy-v2-options bogus\n");
    assert!(r.has_alert("'server b/s' : 'bogus' : proxy v2 option not implemented."));
    let r = run("backend b\n server s 1.2.3.4:80 rise 0\n");
    assert!(r.has_alert("'server b/s' : 'rise' has to be > 0.."));
    let r = run("backend b\n server s 1.2.3.4:80 inter 0\n");
    assert!(r.has_alert("'server b/s' : invalid value 0 for argument 'inter' of server s.."));
    let r = run("backend b\n server s 1.2.3.4:80 usesrc client\n");
    assert!(r.has_alert("'server b/s' : 'usesrc' only allowed after a 'source' statement.."));
    let r = run("backend b\n server s 1.2.3.4:80 observe layer7\n");
    assert!(r.has_warning("'server b/s' : 'layer7' can only be used in http proxies.."));
    // Observing traffic and shutting sessions down on state changes are applied.
    let r = run("backend b\n mode http\n server s 1.2.3.4:80 check observe layer7 error-limit 3 on-error mark-down on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions\n");
    assert!(r.valid());
    let s = &r.proxy("b").servers[0].settings;
    assert_eq!(s.observe.as_deref(), Some("layer7"));
    assert_eq!(s.on_marked_down.as_deref(), Some("shutdown-sessions"));
    assert_eq!(s.on_marked_up.as_deref(), Some("shutdown-backup-sessions"));
    let r = run("backend b\n server s 1.2.3.4:80 observe bogus\n");
    assert!(r.has_alert(
        "'server b/s' : 'observe' expects one of 'none', 'layer4', 'layer7' but got 'bogus'."
    ));
    let r = run("backend b\n server s 1.2.3.4:80 on-marked-up shutdown-sessions\n");
    assert!(r.has_alert(
        "'server b/s' : 'on-marked-up' expects 'shutdown-backup-sessions' but got 'shutdown-sessions'."
    ));
    let r = run("backend b\n server s 1.2.3.4:80 on-marked-down bogus\n");
    assert!(
        r.has_alert("'server b/s' : 'on-marked-down' expects 'shutdown-sessions' but got 'bogus'.")
    );
}

#[test]
fn namespaces_are_opened_while_parsing() {
    let resolver = crate::proxy::testutil::test_resolver().with_netns_probe(|n| n == "ok");
    let r = crate::proxy::testutil::run_with(
        "backend b\n server s 1.2.3.4:80 namespace nope\n server t 1.2.3.4:80 namespace ok\nfrontend f\n bind :80 namespace nope2\n",
        resolver,
    );
    assert!(r.has_alert("'server b/s' : Cannot open namespace 'nope'."));
    assert!(!r.has_alert("'server b/t' : Cannot open namespace 'ok'."));
    assert!(r.has_alert("Cannot open namespace 'nope2'."));
    assert!(r.has_alert(
        "'bind :80' in section 'frontend' : error encountered while processing 'namespace'."
    ));
}

#[test]
fn send_proxy_v2_ssl_family() {
    let r = run("backend b\n default-server send-proxy-v2-ssl-cn\n server s1 1.2.3.4:80\n server s2 1.2.3.4:80 no-send-proxy-v2-ssl-cn\n server s3 1.2.3.4:80 send-proxy-v2-ssl\n server s4 1.2.3.4:80 no-send-proxy-v2-ssl\n");
    assert!(r.clean());
    let s = |i: usize| {
        let s = &r.proxy("b").servers[i].settings;
        (
            s.send_proxy_v2,
            s.proxy_v2_options.ssl,
            s.proxy_v2_options.cert_cn,
        )
    };
    assert_eq!(s(0), (true, true, true));
    assert_eq!(s(1), (false, false, false));
    assert_eq!(s(2), (true, true, true), "cn from default-server");
    assert_eq!(s(3), (false, false, true));
}
