//! The environment `${VAR}` expands from. It starts as a copy of the process environment
//! plus the `HAPROXY_*` variables HAProxy defines, and the reader changes it as it meets
//! `setenv`, `presetenv`, `unsetenv` and `resetenv` in `global` sections, so later lines
//! see the change exactly as with HAProxy (which edits its real environment while parsing).

use std::collections::BTreeMap;

/// A set of environment variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// An empty environment (tests, fuzzing).
    pub fn empty() -> Self {
        Self::default()
    }

    /// A copy of the current process environment (non-UTF-8 entries are skipped).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Sets only when not already defined (`presetenv`).
    pub fn preset(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.entry(name.into()).or_insert_with(|| value.into());
    }

    pub fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// Removes every variable except the named ones (`resetenv [name...]`).
    pub fn reset(&mut self, keep: &[&str]) {
        self.vars.retain(|k, _| keep.contains(&k.as_str()));
    }

    /// All variables, sorted by name (`show env`).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
