//! `userlist <name>` sections (manual 3.4): users and groups for HTTP basic authentication
//! (`http_auth`, `http_auth_group`, `stats auth`...).
//!
//! ```text
//! userlist L
//!     group admins users alice,bob
//!     user alice password $6$...          (crypt(3) hash)
//!     user bob insecure-password s3cret groups admins,ops
//! ```
//!
//! Group membership can be declared on either side; both are merged when the section set
//! is complete, and a name referring to an unknown user or group is an error then.
//! A repeated `userlist` name is ignored with a warning in HAProxy; its lines are merged
//! into the first list of that name here.

use rampart_config::{Diagnostic, Diagnostics, Section};

use super::{check_header, invalid_char, lower_lines, HeaderRules, OthersBuilder, Unknown};
use crate::global::args::{alert_tight, warn_tight, Args};
use crate::kw::{Cx, Keyword};
use crate::LowerCx;

/// A user list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Userlist {
    pub name: String,
    pub groups: Vec<Group>,
    pub users: Vec<User>,
}

/// A group; `users` lists the members named on the `group` line (`users a,b`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub users: Vec<String>,
}

/// A user; after lowering, `groups` holds every group the user belongs to, from both the
/// `user ... groups` and the `group ... users` declarations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password: Password,
    pub groups: Vec<String>,
}

/// How a user's password is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Password {
    /// No password option: the user can never authenticate.
    #[default]
    None,
    /// `password <hash>`: a crypt(3) string (`$6$...`, `$5$...`, `$1$...`, `$2b$...`,
    /// yescrypt `$y$...`, or traditional DES).
    Crypt(String),
    /// `insecure-password <text>`: compared as is.
    Insecure(String),
}

/// Keywords of a `userlist` section.
pub static TABLE: &[Keyword<Userlist>] = &[
    Keyword::parse("group", parse_group),
    Keyword::parse("user", parse_user),
];

/// Lowers one `userlist` section.
pub(crate) fn lower(b: &mut OthersBuilder, s: &Section, cx: &mut LowerCx<'_>) {
    let rules = HeaderRules {
        missing: "'userlist' expects <name> as arguments.",
        missing_tight: true,
        too_many: Some(false),
        charset: Some(true),
    };
    let Some(name) = check_header(s, cx, &rules) else {
        // HAProxy drops the lines of an unusable header; they are still checked here.
        let mut scratch = Userlist::default();
        lower_lines(TABLE, &mut scratch, s, cx, Unknown::Tight("users"));
        return;
    };
    let idx = match b.others.userlists.iter().position(|u| u.name == name) {
        Some(i) => {
            cx.diags.push(
                Diagnostic::warning(
                    Some(s.header.span),
                    format!("ignoring duplicated userlist '{name}'."),
                )
                .tight(),
            );
            i
        }
        None => {
            b.others.userlists.push(Userlist {
                name,
                ..Default::default()
            });
            b.others.userlists.len() - 1
        }
    };
    let mut list = std::mem::take(&mut b.others.userlists[idx]);
    lower_lines(TABLE, &mut list, s, cx, Unknown::Tight("users"));
    b.others.userlists[idx] = list;
}

/// `group <name> [users <user>,<user>...]`.
fn parse_group(ul: &mut Userlist, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        alert_tight(cx, "'group' expects <name> as arguments.");
        return Ok(());
    }
    let name = a.get(1);
    if let Some(c) = invalid_char(name) {
        alert_tight(
            cx,
            format!("character '{c}' is not permitted in 'group' name '{name}'."),
        );
        return Ok(());
    }
    if ul.groups.iter().any(|g| g.name == name) {
        warn_tight(
            cx,
            format!(
                "ignoring duplicated group '{name}' in userlist '{}'.",
                ul.name
            ),
        );
        return Ok(());
    }
    let mut group = Group {
        name: name.to_string(),
        users: Vec::new(),
    };
    let mut cur = 2;
    while !a.empty(cur) {
        if a.get(cur) != "users" {
            alert_tight(cx, "'group' only supports 'users' option.");
            return Ok(());
        }
        group.users = split_names(a.get(cur + 1));
        cur += 2;
    }
    ul.groups.push(group);
    Ok(())
}

/// `user <name> [password <hash>|insecure-password <pass>] [groups <g>,<g>...]`.
fn parse_user(ul: &mut Userlist, cx: &mut Cx<'_>) -> Result<(), String> {
    let a = Args::new(cx.line);
    if a.empty(1) {
        alert_tight(cx, "'user' expects <name> as arguments.");
        return Ok(());
    }
    let name = a.get(1);
    if ul.users.iter().any(|u| u.name == name) {
        warn_tight(
            cx,
            format!(
                "ignoring duplicated user '{name}' in userlist '{}'.",
                ul.name
            ),
        );
        return Ok(());
    }
    // As in HAProxy, the user exists even when a later option is refused.
    ul.users.push(User {
        name: name.to_string(),
        ..Default::default()
    });
    let mut user = User {
        name: name.to_string(),
        ..Default::default()
    };
    let mut cur = 2;
    while !a.empty(cur) {
        let value = a.get(cur + 1);
        match a.get(cur) {
            // HAProxy asks crypt(3) whether it knows the hash; glibc's libxcrypt answers with a
            // failure token rather than an error, so any string is accepted there too.
            "password" => user.password = Password::Crypt(value.to_string()),
            "insecure-password" => user.password = Password::Insecure(value.to_string()),
            "groups" => user.groups = split_names(value),
            _ => {
                alert_tight(
                    cx,
                    "'user' only supports 'password', 'insecure-password' and 'groups' options.",
                );
                break;
            }
        }
        cur += 2;
    }
    if let Some(last) = ul.users.last_mut() {
        *last = user;
    }
    Ok(())
}

/// A comma-separated list, empty items skipped (HAProxy uses `strtok`).
fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect()
}

/// Merges both membership declarations and reports references to unknown users or groups
/// (`userlist_postinit`): `userlist 'L': no such group 'g' specified in user 'u'`.
pub(crate) fn resolve_memberships(lists: &mut [Userlist], diags: &mut Diagnostics) {
    for ul in lists.iter_mut() {
        let mut errors = Vec::new();
        for user in &ul.users {
            for g in &user.groups {
                if !ul.groups.iter().any(|x| &x.name == g) {
                    errors.push(format!(
                        "userlist '{}': no such group '{g}' specified in user '{}'",
                        ul.name, user.name
                    ));
                }
            }
        }
        let mut additions: Vec<(usize, String)> = Vec::new();
        for group in &ul.groups {
            for member in &group.users {
                match ul.users.iter().position(|u| &u.name == member) {
                    Some(i) => additions.push((i, group.name.clone())),
                    None => errors.push(format!(
                        "userlist '{}': no such user '{member}' specified in group '{}'",
                        ul.name, group.name
                    )),
                }
            }
        }
        for (i, g) in additions {
            if let Some(u) = ul.users.get_mut(i) {
                if !u.groups.contains(&g) {
                    u.groups.push(g);
                }
            }
        }
        for e in errors {
            diags.push(Diagnostic::alert(None, e));
        }
    }
}
