//! Variables (manual 2.8 and `set-var`): named samples in five scopes with HAProxy's
//! lifetimes. `proc` lives for the process, `sess` for the client connection, `txn`
//! for one request/response exchange, `req` while the request is processed and `res`
//! while the response is (the same store changes scope when the response starts, and
//! its request variables are dropped then). A name is its scope and a 64-bit hash of
//! the rest, computed once at configuration time.

use crate::sample::Value;
use crate::stream::Stream;
use std::borrow::Cow;
use std::cell::RefCell;

/// Variable scopes (`SCOPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Proc,
    Sess,
    Txn,
    Req,
    Res,
    Check,
}

/// A variable named in the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarRef {
    pub scope: Scope,
    pub hash: u64,
    /// The full name, for messages and the runtime API.
    pub name: String,
}

impl VarRef {
    /// Reads `scope.name` as HAProxy's `vars_hash_name` does, with its messages.
    pub fn parse(full: &str) -> Result<VarRef, String> {
        if full.is_empty() {
            return Err("Empty variable name cannot be accepted".into());
        }
        let scopes = [
            ("proc.", Scope::Proc),
            ("sess.", Scope::Sess),
            ("txn.", Scope::Txn),
            ("req.", Scope::Req),
            ("res.", Scope::Res),
            ("check.", Scope::Check),
        ];
        let Some((rest, scope)) = scopes.iter().find_map(|(p, s)| {
            full.strip_prefix(p)
                .filter(|r| !r.is_empty())
                .map(|r| (r, *s))
        }) else {
            return Err(format!(
                "invalid variable name '{full}'. A variable name must be start by its scope. \
                 The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"
            ));
        };
        if let Some(i) = rest
            .bytes()
            .position(|c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
        {
            return Err(format!("invalid syntax at char '{}'", &rest[i..]));
        }
        Ok(VarRef {
            scope,
            hash: name_hash(rest.as_bytes()),
            name: full.to_string(),
        })
    }
}

/// FNV-1a over the name without its scope: stable and cheap, computed at start-up.
fn name_hash(s: &[u8]) -> u64 {
    s.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Conditions of `set-var(name,cond…)` (`VF_COND_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetCond(u8);

impl SetCond {
    const IFEXISTS: u8 = 1;
    const IFNOTEXISTS: u8 = 2;
    const IFEMPTY: u8 = 4;
    const IFNOTEMPTY: u8 = 8;
    const IFSET: u8 = 16;
    const IFNOTSET: u8 = 32;
    const IFGT: u8 = 64;
    const IFLT: u8 = 128;

    /// Adds the condition named `s`.
    pub fn add(&mut self, s: &str) -> Result<(), String> {
        self.0 |= match s {
            "ifexists" => Self::IFEXISTS,
            "ifnotexists" => Self::IFNOTEXISTS,
            "ifempty" => Self::IFEMPTY,
            "ifnotempty" => Self::IFNOTEMPTY,
            "ifset" => Self::IFSET,
            "ifnotset" => Self::IFNOTSET,
            "ifgt" => Self::IFGT,
            "iflt" => Self::IFLT,
            _ => return Err(format!("unknown condition \"{s}\"")),
        };
        Ok(())
    }

    /// The conditions as bits, kept in a converter's arguments.
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(b: u8) -> SetCond {
        SetCond(b)
    }

    fn has(self, f: u8) -> bool {
        self.0 & f != 0
    }
}

/// A variable's slot: `None` once created but unset (HAProxy's `SMP_T_ANY`).
type Slot = Option<Value<'static>>;

/// The variables of one scope instance (a short list, as in HAProxy).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VarSet {
    entries: Vec<(u64, Slot)>,
}

impl VarSet {
    pub fn new() -> VarSet {
        VarSet::default()
    }

    /// The value of the variable, if set.
    pub fn get(&self, hash: u64) -> Option<&Value<'static>> {
        self.entries
            .iter()
            .find(|(h, _)| *h == hash)
            .and_then(|(_, v)| v.as_ref())
    }

    /// Stores `v` under the conditions `cond` (`var_set`); returns whether it was stored.
    /// As in HAProxy, a variable that did not exist is created (unset) before the
    /// conditions on its value are tested, so a failed `ifset` still creates it.
    pub fn set(&mut self, hash: u64, v: &Value<'_>, cond: SetCond) -> bool {
        let pos = match self.entries.iter().position(|(h, _)| *h == hash) {
            Some(_) if cond.has(SetCond::IFNOTEXISTS) => return false,
            Some(p) => p,
            None if cond.has(SetCond::IFEXISTS) => return false,
            None => {
                self.entries.push((hash, None));
                self.entries.len() - 1
            }
        };
        let prev = self.entries[pos].1.as_ref();
        if (cond.has(SetCond::IFSET) && prev.is_none())
            || (cond.has(SetCond::IFNOTSET) && prev.is_some())
        {
            return false;
        }
        let empty = match v {
            Value::Str(s) | Value::Bin(s) => Some(s.is_empty()),
            _ => None,
        };
        match empty {
            None if cond.has(SetCond::IFEMPTY) => return false,
            Some(false) if cond.has(SetCond::IFEMPTY) => return false,
            Some(true) if cond.has(SetCond::IFNOTEMPTY) => return false,
            _ => {}
        }
        if let (Value::Sint(new), Some(Value::Sint(old))) = (v, prev) {
            if (cond.has(SetCond::IFGT) && old <= new) || (cond.has(SetCond::IFLT) && old >= new) {
                return false;
            }
        }
        let slot = &mut self.entries[pos].1;
        match (slot.as_mut(), v) {
            // Reuse the stored bytes' allocation when a string replaces a string.
            (Some(Value::Str(Cow::Owned(old))), Value::Str(new))
            | (Some(Value::Bin(Cow::Owned(old))), Value::Bin(new)) => {
                old.clear();
                old.extend_from_slice(new);
            }
            (_, v) => *slot = Some(v.to_owned_value()),
        }
        true
    }

    /// Unsets the variable (it keeps existing, as for `ifexists`).
    pub fn unset(&mut self, hash: u64) {
        if let Some(e) = self.entries.iter_mut().find(|(h, _)| *h == hash) {
            e.1 = None;
        }
    }

    /// Deletes the variable (`var_clear` on a variable that is not permanent: a later
    /// `ifexists` no longer finds it).
    pub fn remove(&mut self, hash: u64) {
        self.entries.retain(|(h, _)| *h != hash);
    }

    /// Creates the variable unset if it does not exist (proc variables named in the
    /// configuration exist from the start).
    pub fn declare(&mut self, hash: u64) {
        if !self.entries.iter().any(|(h, _)| *h == hash) {
            self.entries.push((hash, None));
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The variables a stream sees, except `proc` (asked of the orchestrator's `Env`).
#[derive(Debug, Default)]
pub struct StreamVars {
    pub sess: RefCell<VarSet>,
    pub txn: RefCell<VarSet>,
    /// `req` or `res`, depending on `in_response`.
    pub reqres: RefCell<VarSet>,
    pub in_response: std::cell::Cell<bool>,
}

impl StreamVars {
    /// A new exchange on the same connection: `txn`, `req` and `res` start empty.
    pub fn new_transaction(&self) {
        self.txn.borrow_mut().clear();
        self.reqres.borrow_mut().clear();
        self.in_response.set(false);
    }

    /// The response starts: request variables are dropped, `res` ones become visible.
    pub fn start_response(&self) {
        self.reqres.borrow_mut().clear();
        self.in_response.set(true);
    }

    /// The store of `scope`, when it is visible now.
    pub fn store(&self, scope: Scope) -> Option<&RefCell<VarSet>> {
        match scope {
            Scope::Sess => Some(&self.sess),
            Scope::Txn => Some(&self.txn),
            Scope::Req if !self.in_response.get() => Some(&self.reqres),
            Scope::Res if self.in_response.get() => Some(&self.reqres),
            _ => None,
        }
    }
}

/// Calls `f` with the value of variable `v` as the stream sees it (`None` when it is
/// not set or its scope is not visible here), without copying it: `proc` variables
/// under the process-wide read lock, the others borrowed from the stream's stores.
pub fn with_var<R>(s: &Stream<'_>, v: &VarRef, f: impl FnOnce(Option<&Value<'static>>) -> R) -> R {
    match v.scope {
        Scope::Proc => match s.env.proc_vars() {
            Some(lock) => {
                let g = lock.read().unwrap_or_else(|p| p.into_inner());
                f(g.get(v.hash))
            }
            None => f(None),
        },
        Scope::Check => f(None),
        scope => match s.vars.and_then(|sv| sv.store(scope)) {
            Some(store) => match store.try_borrow() {
                Ok(b) => f(b.get(v.hash)),
                Err(_) => f(None),
            },
            None => f(None),
        },
    }
}

/// Stores `val` in variable `v` under `cond` (`var_set`): false when the scope is not
/// visible here or a condition refused the value.
pub fn set_var(s: &Stream<'_>, v: &VarRef, val: &Value<'_>, cond: SetCond) -> bool {
    match v.scope {
        Scope::Proc => match s.env.proc_vars() {
            Some(lock) => lock
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .set(v.hash, val, cond),
            None => false,
        },
        Scope::Check => false,
        scope => match s.vars.and_then(|sv| sv.store(scope)) {
            Some(store) => match store.try_borrow_mut() {
                Ok(mut b) => b.set(v.hash, val, cond),
                Err(_) => false,
            },
            None => false,
        },
    }
}

/// Unsets variable `v` (`var_unset`): `proc` variables keep existing (HAProxy creates
/// them permanent), the others are deleted. False when the scope is not visible here.
pub fn unset_var(s: &Stream<'_>, v: &VarRef) -> bool {
    match v.scope {
        Scope::Proc => match s.env.proc_vars() {
            Some(lock) => {
                lock.write()
                    .unwrap_or_else(|p| p.into_inner())
                    .unset(v.hash);
                true
            }
            None => false,
        },
        Scope::Check => false,
        scope => match s.vars.and_then(|sv| sv.store(scope)) {
            Some(store) => match store.try_borrow_mut() {
                Ok(mut b) => {
                    b.remove(v.hash);
                    true
                }
                Err(_) => false,
            },
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_need_a_scope_and_a_valid_syntax() {
        let v = VarRef::parse("txn.my.var_1").unwrap();
        assert_eq!(v.scope, Scope::Txn);
        assert_eq!(v.hash, VarRef::parse("req.my.var_1").unwrap().hash);
        assert!(VarRef::parse("txn.")
            .unwrap_err()
            .starts_with("invalid variable name 'txn.'"));
        assert_eq!(
            VarRef::parse("sess.a-b").unwrap_err(),
            "invalid syntax at char '-b'"
        );
        assert_eq!(
            VarRef::parse("").unwrap_err(),
            "Empty variable name cannot be accepted"
        );
    }

    #[test]
    fn conditions_guard_the_store() {
        let mut s = VarSet::new();
        let c = |names: &[&str]| {
            let mut c = SetCond::default();
            for n in names {
                c.add(n).unwrap();
            }
            c
        };
        assert!(!s.set(1, &Value::Sint(5), c(&["ifexists"])));
        assert!(s.set(1, &Value::Sint(5), c(&[])));
        assert!(!s.set(1, &Value::Sint(7), c(&["ifnotexists"])));
        // ifgt: only when the stored value is greater than the new one.
        assert!(s.set(1, &Value::Sint(4), c(&["ifgt"])));
        assert!(!s.set(1, &Value::Sint(7), c(&["ifgt"])));
        assert_eq!(s.get(1), Some(&Value::Sint(4)));
        assert!(s.set(1, &Value::Sint(9), c(&["iflt"])));
        assert!(!s.set(2, &Value::Sint(1), c(&["ifempty"])));
        assert!(!s.set(2, &Value::Str(Cow::Borrowed(b"")), c(&["ifnotempty"])));
        assert!(s.set(2, &Value::Str(Cow::Borrowed(b"x")), c(&["ifnotempty"])));
        s.unset(2);
        assert_eq!(s.get(2), None);
        assert!(!s.set(2, &Value::Sint(1), c(&["ifset"])));
        assert!(s.set(2, &Value::Sint(1), c(&["ifexists", "ifnotset"])));
        assert_eq!(
            SetCond::default().add("nope").unwrap_err(),
            "unknown condition \"nope\""
        );
    }

    #[test]
    fn request_variables_end_when_the_response_starts() {
        let v = StreamVars::default();
        let r = VarRef::parse("req.x").unwrap();
        v.store(Scope::Req)
            .unwrap()
            .borrow_mut()
            .set(r.hash, &Value::Sint(1), SetCond::default());
        v.txn
            .borrow_mut()
            .set(r.hash, &Value::Sint(2), SetCond::default());
        assert!(v.store(Scope::Res).is_none());
        v.start_response();
        assert!(v.store(Scope::Req).is_none());
        assert_eq!(v.store(Scope::Res).unwrap().borrow().get(r.hash), None);
        assert_eq!(v.txn.borrow().get(r.hash), Some(&Value::Sint(2)));
        v.new_transaction();
        assert_eq!(v.txn.borrow().get(r.hash), None);
    }
}
