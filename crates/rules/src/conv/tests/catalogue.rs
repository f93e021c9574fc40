//! The converter tables: names are unique, a name is in one table only, and the lookup
//! tells the three cases apart.

use super::super::{lookup, Lookup, CONVERTERS, NOT_YET};
use std::collections::HashSet;

#[test]
fn every_name_once() {
    let mut seen = HashSet::new();
    for name in CONVERTERS
        .iter()
        .map(|d| d.name)
        .chain(NOT_YET.iter().map(|n| n.name))
    {
        assert!(seen.insert(name), "'{name}' is listed twice");
    }
}

#[test]
fn lookup_tells_known_not_yet_and_unknown() {
    assert!(matches!(lookup("json_query"), Lookup::Known(d) if d.name == "json_query"));
    match lookup("in_table") {
        Lookup::NotYet(n) => assert_eq!(
            n.message("in_table"),
            "converter 'in_table' is not supported yet (needs stick tables)"
        ),
        other => panic!("in_table: {other:?}"),
    }
    assert!(matches!(lookup("regsub"), Lookup::Known(d) if d.name == "regsub"));
    assert!(matches!(lookup("lua.mine"), Lookup::NotYet(n) if n.reason == "needs Lua"));
    assert!(matches!(lookup("nosuch"), Lookup::Unknown));
}
