use super::place::Ckp;
use super::*;

#[test]
fn every_fetch_name_is_unique_and_valid_somewhere() {
    let mut names: Vec<&str> = all().map(|d| d.name).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate fetch names");
    for d in all() {
        assert!(d.uses.valid_at().0 != 0, "{} is valid nowhere", d.name);
        assert!(d.args.min <= d.args.types.len(), "{}", d.name);
    }
}

#[test]
fn places_follow_the_sources() {
    let valid = |n: &str, c: Ckp| find(n).map(|d| d.uses.valid_at().contains(c));
    assert_eq!(valid("res.hdr", Ckp::FeHrqHdr), Some(false));
    assert_eq!(valid("hdr", Ckp::FeHrsHdr), Some(true));
    assert_eq!(valid("src", Ckp::FeConAcc), Some(true));
    assert_eq!(valid("path", Ckp::FeConAcc), Some(false));
    assert_eq!(valid("be_name", Ckp::FeSetBck), Some(false));
}

#[test]
fn later_subsystems_are_known_but_not_yet_supported() {
    assert_eq!(not_yet("ssl_fc_sni"), Some("TLS"));
    assert_eq!(not_yet("sc0_http_req_rate"), Some("stick tables"));
    assert_eq!(not_yet("src_port"), None);
    assert_eq!(not_yet("nope"), None);
}
