//! System user and group names → numeric ids, for `user`, `group` (global and `program`
//! sections) and the `user`/`group` options of `stats socket`.
//!
//! HAProxy calls `getpwnam`/`getgrnam` while parsing. The model crate has no libc binding
//! (`unsafe` is forbidden workspace-wide), so it reads the local databases `/etc/passwd`
//! and `/etc/group` directly. Names served only by other NSS sources (LDAP, sssd...) are
//! therefore not found: a documented difference, to be closed by a hook from the binary.

use std::path::{Path, PathBuf};

/// Where the account databases live (tests point this at fixtures).
#[derive(Clone, Debug)]
pub struct AccountDb {
    pub passwd: PathBuf,
    pub group: PathBuf,
}

impl Default for AccountDb {
    fn default() -> Self {
        Self {
            passwd: PathBuf::from("/etc/passwd"),
            group: PathBuf::from("/etc/group"),
        }
    }
}

/// Why a lookup failed, with the `errno`-style pair HAProxy prints as `(%d:%s)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError {
    pub errno: i32,
    pub reason: &'static str,
}

impl LookupError {
    /// "name not found": `getpwnam` returns NULL and leaves `errno` at 0.
    const NOT_FOUND: LookupError = LookupError {
        errno: 0,
        reason: "Success",
    };
}

impl AccountDb {
    /// The uid of user `name`.
    pub fn uid(&self, name: &str) -> Result<u32, LookupError> {
        lookup(&self.passwd, name)
    }

    /// The gid of group `name`.
    pub fn gid(&self, name: &str) -> Result<u32, LookupError> {
        lookup(&self.group, name)
    }
}

/// Finds `name` in a colon-separated database where the id is the third field
/// (`name:password:id:...`), as both passwd and group files are laid out.
fn lookup(file: &Path, name: &str) -> Result<u32, LookupError> {
    if name.is_empty() {
        return Err(LookupError::NOT_FOUND);
    }
    let text = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LookupError {
            errno: 2,
            reason: "No such file or directory",
        },
        std::io::ErrorKind::PermissionDenied => LookupError {
            errno: 13,
            reason: "Permission denied",
        },
        _ => LookupError {
            errno: 5,
            reason: "Input/output error",
        },
    })?;
    let text = String::from_utf8_lossy(&text);
    for line in text.lines() {
        let mut fields = line.split(':');
        if fields.next() != Some(name) {
            continue;
        }
        let id = fields.nth(1).and_then(|f| f.trim().parse::<u32>().ok());
        if let Some(id) = id {
            return Ok(id);
        }
    }
    Err(LookupError::NOT_FOUND)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_from_colon_files() {
        let dir = std::env::temp_dir().join(format!("rampart-acct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let passwd = dir.join("passwd");
        let group = dir.join("group");
        std::fs::write(
            &passwd,
            "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/:/bin/false\nbad:x:zz:1\n",
        )
        .unwrap();
        std::fs::write(&group, "root:x:0:\nhaproxy:x:120:\n").unwrap();
        let db = AccountDb { passwd, group };
        assert_eq!(db.uid("www"), Ok(33));
        assert_eq!(db.uid("root"), Ok(0));
        assert_eq!(db.uid("bad"), Err(LookupError::NOT_FOUND));
        assert_eq!(db.uid("nobody-here"), Err(LookupError::NOT_FOUND));
        assert_eq!(db.uid(""), Err(LookupError::NOT_FOUND));
        assert_eq!(db.gid("haproxy"), Ok(120));
        let missing = AccountDb {
            passwd: dir.join("nope"),
            group: dir.join("nope"),
        };
        assert_eq!(missing.uid("root").unwrap_err().errno, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
