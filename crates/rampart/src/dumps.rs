//! The dumps HAProxy performs once the configuration was checked: `-dL` (the object files
//! loaded into the process, one path a line, for `tar -T -`) and `-dK<class,...>` (the
//! registered keywords per class). Rampart registers configuration keywords only, in the
//! tables of `rampart-model`; the other classes (ACLs, CLI, converters, filters, fetches,
//! services) have no entry yet, so only their headers are printed.

use crate::report::write_out;
use rampart_model::kw::Support;
use rampart_model::{global, proxy, sections};

/// `-dL`: the executable first, then the shared objects mapped into the process.
pub fn loaded_objects(exec_path: Option<&str>, quiet: bool) {
    if !quiet {
        write_out("List of loaded object files:\n");
    }
    let mut seen: Vec<String> = Vec::new();
    if let Some(p) = exec_path {
        seen.push(p.to_owned());
    }
    if let Ok(maps) = std::fs::read_to_string("/proc/self/maps") {
        for line in maps.lines() {
            // address perms offset dev inode path
            let Some(path) = line.split_whitespace().nth(5) else {
                continue;
            };
            if path.starts_with('/') && path.contains(".so") && !seen.iter().any(|s| s == path) {
                seen.push(path.to_owned());
            }
        }
    }
    let mut out = String::new();
    for path in seen {
        out.push_str(&path);
        out.push('\n');
    }
    write_out(&out);
}

/// The keyword classes of `-dK`, with their description.
const CLASSES: &[(&str, &str, &str)] = &[
    ("acl", "ACL keywords", "# List of registered ACL keywords:"),
    (
        "cfg",
        "configuration keywords",
        "# List of registered configuration keywords:",
    ),
    ("cli", "CLI keywords", "# List of registered CLI keywords:"),
    (
        "cnv",
        "sample converter keywords",
        "# List of registered sample converter functions:",
    ),
    ("flt", "filter names", "# List of registered filter names:"),
    (
        "smp",
        "sample fetch functions",
        "# List of registered sample fetch functions:",
    ),
    (
        "svc",
        "service names",
        "# List of registered service names:",
    ),
];

/// `-dK<classes>`: a comma-separated list of classes, `all`, or `help`. Unknown classes
/// print nothing, as in HAProxy.
pub fn keywords(spec: &str) {
    let mut out = String::new();
    let mut all = false;
    for class in spec.split(',').filter(|c| !c.is_empty()) {
        if class == "help" {
            out.push_str("# List of supported keyword classes:\n");
            out.push_str("all: list all keywords\n");
            for (name, what, _) in CLASSES {
                out.push_str(&format!("{name}: {what}\n"));
            }
            continue;
        }
        all |= class == "all";
        for &(name, _, header) in CLASSES {
            if all || class == name {
                out.push_str(header);
                out.push('\n');
                if name == "cfg" {
                    config_keywords(&mut out);
                }
            }
        }
    }
    write_out(&out);
}

/// Every keyword `rampart -c` accepts (supported, or tuning with a warning), per table,
/// sorted by name.
fn config_keywords(out: &mut String) {
    let tables = global::tables()
        .into_iter()
        .chain(proxy::tables())
        .chain(sections::tables());
    for table in tables {
        out.push_str(table.title);
        out.push('\n');
        let mut names: Vec<&str> = table
            .keywords
            .iter()
            .filter(|(_, s)| matches!(s, Support::Supported | Support::Tuning))
            .map(|&(n, _)| n)
            .collect();
        names.sort_unstable();
        for name in names {
            out.push('\t');
            out.push_str(name);
            out.push('\n');
        }
    }
}
