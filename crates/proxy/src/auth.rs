//! `userlist` sections at run time (manual 3.4): the users and groups that `http_auth`
//! and `http_auth_group` check credentials against, as HAProxy's `check_user` does:
//! the user must exist in the list, then an `insecure-password` is compared as is and a
//! `password` hash is computed again with the system's crypt(3) (every method it knows,
//! yescrypt included: [`crate::crypt`]) and compared with the stored one.
//!
//! Computing a crypt(3) hash is slow on purpose (5,000 rounds of SHA-512 by default), and
//! a browser sends its credentials with every request: each worker thread keeps the last
//! answers for hashed passwords, keyed by a SHA-256 digest of the list, user and password
//! (never the password itself), so a keep-alive client costs one hash, not one per
//! request.

use rampart_model::sections::userlist::{Password, Userlist};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::HashMap;

/// Every `userlist` of the configuration, indexed for the data path.
#[derive(Debug, Default)]
pub struct Userlists {
    lists: Vec<List>,
}

#[derive(Debug)]
struct List {
    name: String,
    users: HashMap<Box<[u8]>, User>,
}

#[derive(Debug)]
struct User {
    password: Password,
    groups: Vec<String>,
}

/// How many answers a thread keeps before it starts again from empty.
const CACHE_MAX: usize = 1024;

thread_local! {
    static CACHE: RefCell<HashMap<[u8; 32], bool>> = RefCell::new(HashMap::new());
}

impl Userlists {
    /// The runtime form of the Snapshot's lists.
    pub fn of(lists: &[Userlist]) -> Userlists {
        Userlists {
            lists: lists
                .iter()
                .map(|l| List {
                    name: l.name.clone(),
                    users: l
                        .users
                        .iter()
                        .map(|u| {
                            (
                                Box::from(u.name.as_bytes()),
                                User {
                                    password: u.password.clone(),
                                    groups: u.groups.clone(),
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn list(&self, name: &str) -> Option<(usize, &List)> {
        self.lists.iter().enumerate().find(|(_, l)| l.name == name)
    }

    /// HAProxy's `check_user`: `None` when no list has that name.
    pub fn check(&self, list: &str, user: &[u8], pass: &[u8]) -> Option<bool> {
        let (li, l) = self.list(list)?;
        let Some(u) = l.users.get(user) else {
            return Some(false);
        };
        Some(match &u.password {
            Password::None => false,
            Password::Insecure(p) => p.as_bytes() == pass,
            Password::Crypt(hash) => cached(li, user, pass, || crate::crypt::verify(pass, hash)),
        })
    }

    /// Calls `f` with each group of `user` in `list` until it returns true
    /// (`http_auth_group`'s patterns are group names).
    pub fn any_group(&self, list: &str, user: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.list(list)
            .and_then(|(_, l)| l.users.get(user))
            .is_some_and(|u| u.groups.iter().any(|g| f(g.as_bytes())))
    }
}

/// The thread's answer for these credentials, computed by `verify` when unknown.
fn cached(list: usize, user: &[u8], pass: &[u8], verify: impl FnOnce() -> bool) -> bool {
    let mut h = Sha256::new();
    h.update((list as u64).to_le_bytes());
    h.update((user.len() as u64).to_le_bytes());
    h.update(user);
    h.update(pass);
    let key: [u8; 32] = h.finalize().into();
    if let Some(v) = CACHE.with(|c| c.borrow().get(&key).copied()) {
        return v;
    }
    let v = verify();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(key, v);
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::sections::userlist::User as MUser;

    fn lists() -> Userlists {
        Userlists::of(&[Userlist {
            name: "L".into(),
            groups: vec![],
            users: vec![
                MUser {
                    name: "alice".into(),
                    password: Password::Insecure("secret".into()),
                    groups: vec!["admins".into()],
                },
                MUser {
                    name: "bob".into(),
                    // openssl passwd -6 -salt abcdefgh hello
                    password: Password::Crypt(
                        "$6$abcdefgh$bp46WUxDu2cphMRE0PvVJlqas2imuSq186YS793XKfmqn9XUEL17HECskUTZInaNigNndLLYc7A6yWBmFEFn3/".into(),
                    ),
                    groups: vec![],
                },
                MUser {
                    name: "carol".into(),
                    // openssl passwd -1 -salt saltsalt pw
                    password: Password::Crypt("$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1".into()),
                    groups: vec![],
                },
            ],
        }])
    }

    #[test]
    fn check_user() {
        let l = lists();
        assert_eq!(l.check("L", b"alice", b"secret"), Some(true));
        assert_eq!(l.check("L", b"alice", b"Secret"), Some(false));
        assert_eq!(l.check("L", b"bob", b"hello"), Some(true));
        // Twice: the second answer comes from the cache, and so does a wrong one.
        assert_eq!(l.check("L", b"bob", b"hello"), Some(true));
        assert_eq!(l.check("L", b"bob", b"hell"), Some(false));
        assert_eq!(l.check("L", b"bob", b"hell"), Some(false));
        assert_eq!(l.check("L", b"carol", b"pw"), Some(true));
        assert_eq!(l.check("L", b"dave", b"pw"), Some(false));
        assert_eq!(l.check("M", b"alice", b"secret"), None);
        assert!(l.any_group("L", b"alice", &mut |g| g == b"admins"));
        assert!(!l.any_group("L", b"bob", &mut |_| true));
    }
}
