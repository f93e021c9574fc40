//! docs/compat.md must be exactly what `rampart_model::catalog::render_markdown()` renders
//! from the keyword tables. `RAMPART_BLESS=1 cargo test -p rampart --test compat_doc`
//! rewrites it.

use std::path::PathBuf;

const REGENERATE: &str = "RAMPART_BLESS=1 cargo test -p rampart --test compat_doc";

#[test]
fn compat_matrix_is_up_to_date() {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/compat.md"));
    let expected = rampart_model::catalog::render_markdown();
    if std::env::var_os("RAMPART_BLESS").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {dir:?}: {e}"));
        }
        std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("cannot write {path:?}: {e}"));
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nGenerate it with: {REGENERATE}",
            path.display()
        )
    });
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "docs/compat.md is stale (first difference at line {}): the keyword tables changed.\n\
             Regenerate it with: {REGENERATE}",
            first + 1
        );
    }
}
