//! The layering rule of ARCHITECTURE.md, checked over `cargo metadata`: every workspace
//! crate declares `[package.metadata.rampart] layer = N`, and a crate may depend (normal,
//! build and dev dependencies alike) only on workspace crates of a strictly lower layer.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

#[test]
fn crates_only_depend_on_lower_layers() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
            manifest,
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo metadata: {e}"));
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("cargo metadata printed invalid JSON: {e}"));
    let problems = check(&meta);
    assert!(
        problems.is_empty(),
        "layering violations:\n  {}",
        problems.join("\n  ")
    );
}

/// Every violation found in the metadata, one line each.
fn check(meta: &Value) -> Vec<String> {
    let members: Vec<&Value> = meta["packages"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut layers: BTreeMap<&str, i64> = BTreeMap::new();
    for pkg in &members {
        let name = pkg["name"].as_str().unwrap_or("?");
        match pkg["metadata"]["rampart"]["layer"].as_i64() {
            Some(layer) => {
                layers.insert(name, layer);
            }
            None => problems.push(format!(
                "{name}: no `[package.metadata.rampart] layer = N` in its Cargo.toml"
            )),
        }
    }
    if members.is_empty() {
        problems.push("cargo metadata lists no workspace member".into());
    }
    for pkg in &members {
        let name = pkg["name"].as_str().unwrap_or("?");
        let Some(&layer) = layers.get(name) else {
            continue;
        };
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or("?");
            // Only workspace members have a layer; external crates are not constrained here.
            let Some(&dep_layer) = layers.get(dep_name) else {
                continue;
            };
            let kind = dep["kind"].as_str().unwrap_or("normal");
            if dep_layer >= layer {
                problems.push(format!(
                    "{name} (layer {layer}) has a {kind} dependency on {dep_name} (layer {dep_layer}): \
                     a crate may only depend on lower layers"
                ));
            }
        }
    }
    problems
}

#[test]
fn the_check_catches_violations() {
    let meta = serde_json::json!({
        "packages": [
            { "name": "low", "metadata": { "rampart": { "layer": 0 } }, "dependencies": [
                { "name": "high", "kind": "dev" },
                { "name": "serde", "kind": null }
            ] },
            { "name": "mid", "metadata": { "rampart": { "layer": 1 } }, "dependencies": [
                { "name": "twin", "kind": null }
            ] },
            { "name": "twin", "metadata": { "rampart": { "layer": 1 } }, "dependencies": [] },
            { "name": "high", "metadata": { "rampart": { "layer": 3 } }, "dependencies": [
                { "name": "low", "kind": "build" }
            ] },
            { "name": "bare", "metadata": null, "dependencies": [] }
        ]
    });
    let problems = check(&meta);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("bare: no `[package.metadata.rampart] layer"));
    assert!(problems[1].starts_with("low (layer 0) has a dev dependency on high (layer 3)"));
    assert!(problems[2].starts_with("mid (layer 1) has a normal dependency on twin (layer 1)"));
}
