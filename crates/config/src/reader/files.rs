//! Which files a `-f` path stands for, as `cfgfiles_expand_directories()` in HAProxy's
//! src/haproxy.c decides: a file is itself; a directory gives its regular files (symbolic
//! links followed) whose name does not start with `.` and whose first `.cfg` ends the
//! name, in byte order, named `DIR/NAME`.

use std::ffi::OsString;
use std::path::PathBuf;

/// A configuration file to read: the name HAProxy shows and the path to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    pub name: String,
    pub path: PathBuf,
}

/// The files `path` stands for, or HAProxy's alert text when it cannot be listed.
pub fn list_config_files(path: &str) -> Result<Vec<ConfigFile>, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "Cannot open configuration file/directory {path} : {}",
            io_reason(&e)
        )
    })?;
    if !meta.is_dir() {
        return Ok(vec![ConfigFile {
            name: path.to_owned(),
            path: PathBuf::from(path),
        }]);
    }
    let unlistable = |e: std::io::Error| {
        format!(
            "Cannot open configuration directory {path} : {}",
            io_reason(&e)
        )
    };
    let mut names: Vec<OsString> = Vec::new();
    for entry in std::fs::read_dir(path).map_err(unlistable)? {
        names.push(entry.map_err(unlistable)?.file_name());
    }
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));

    let mut files = Vec::new();
    for name in names {
        if !is_config_name(name.as_encoded_bytes()) {
            continue;
        }
        let mut full = OsString::from(path);
        full.push("/");
        full.push(&name);
        let full = PathBuf::from(full);
        // HAProxy names the directory, not the file, in this message.
        let meta = std::fs::metadata(&full)
            .map_err(|e| format!("Cannot open configuration file {path} : {}", io_reason(&e)))?;
        if meta.is_file() {
            files.push(ConfigFile {
                name: full.to_string_lossy().into_owned(),
                path: full,
            });
        }
    }
    Ok(files)
}

/// Not hidden, and the first ".cfg" in the name is at its end ("a.cfg.cfg" is refused).
fn is_config_name(name: &[u8]) -> bool {
    if name.first() == Some(&b'.') {
        return false;
    }
    name.windows(4)
        .position(|w| w == b".cfg")
        .is_some_and(|at| at + 4 == name.len())
}

/// strerror-like text for an I/O error, as HAProxy prints it.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names() {
        assert!(is_config_name(b"a.cfg"));
        assert!(!is_config_name(b".cfg.cfg"));
        assert!(!is_config_name(b".hidden.cfg"));
        assert!(!is_config_name(b"a.cfg.bak"));
        assert!(!is_config_name(b"a.cfg.cfg"));
        assert!(!is_config_name(b"a.CFG"));
        assert!(!is_config_name(b"acfg"));
        assert!(is_config_name(b"x.y.cfg"));
        assert!(!is_config_name(b""));
    }

    #[test]
    fn io_reasons_are_strerror_texts() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "No such file or directory");
        let e = std::io::Error::from_raw_os_error(13);
        assert_eq!(io_reason(&e), "Permission denied");
    }
}
