//! `add-acl(<file>) <key fmt>`, `del-acl(<file>) <key fmt>`, `set-map(<file>) <key fmt>
//! <value fmt>` and `del-map(<file>) <key fmt>` (`http_act.c`): they change the live
//! pattern reference of that file, which HAProxy looks up by name when the action
//! runs; Rampart binds it once the configuration is read ([`MapAct::bind`]).

use super::txn::{Txn, Verdict};
use super::{arg, ActCx, ActError, RuleSet};
use crate::logfmt::LogFormat;
use crate::pattern::{PatRef, Registry};
use std::sync::Arc;

/// Which change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapOp {
    /// Add the key unless it is there.
    AddAcl,
    /// Set the value of every entry with the key, or add one.
    SetMap,
    /// Delete every entry with the key.
    DelAcl,
    DelMap,
}

/// A map or ACL action.
#[derive(Debug)]
pub struct MapAct {
    pub op: MapOp,
    /// The file name as HAProxy cuts it out of the action word (`set-map(` and the
    /// final character removed).
    pub file: String,
    pub key: LogFormat,
    pub value: Option<LogFormat>,
    /// The reference of that file, once bound; without one the action does nothing.
    pub reference: Option<Arc<PatRef>>,
}

impl MapAct {
    /// Binds the file's reference, if some ACL or map of the configuration uses it.
    pub fn bind(&mut self, registry: &Registry) {
        self.reference = registry.lookup(&self.file).cloned();
    }
}

/// Parses the action whose word is `words[*idx - 1]`.
pub(crate) fn parse(
    words: &[&str],
    idx: &mut usize,
    op: MapOp,
    set: RuleSet,
    cx: &mut ActCx<'_>,
) -> Result<MapAct, ActError> {
    let word = arg(words, idx.wrapping_sub(1));
    let i = *idx;
    if op == MapOp::SetMap && (arg(words, i).is_empty() || arg(words, i + 1).is_empty()) {
        return Err("expects exactly 2 arguments".into());
    } else if arg(words, i).is_empty() {
        return Err("expects exactly 1 arguments".into());
    }
    // `my_strndup(word + 8, strlen(word) - 9)`: whatever the word holds there.
    let n = word.len().saturating_sub(9);
    let file = word
        .as_bytes()
        .get(8..)
        .map(|b| String::from_utf8_lossy(&b[..n.min(b.len())]).into_owned())
        .unwrap_or_default();
    let key = cx.logformat(arg(words, i), set, true)?;
    let value = if op == MapOp::SetMap {
        Some(cx.logformat(arg(words, i + 1), set, true)?)
    } else {
        None
    };
    *idx = i + 1 + usize::from(op == MapOp::SetMap);
    Ok(MapAct {
        op,
        file,
        key,
        value,
        reference: None,
    })
}

impl MapAct {
    pub(crate) fn exec(&self, tx: &mut Txn<'_>) -> Verdict<'static> {
        let Some(r) = &self.reference else {
            return Verdict::Continue;
        };
        tx.render(&self.key);
        match self.op {
            MapOp::AddAcl => {
                if !r.contains(&tx.scratch.out) {
                    let _ = r.add(&tx.scratch.out, None);
                }
            }
            MapOp::SetMap => {
                if let Some(v) = &self.value {
                    tx.render_to(v, true, true);
                    let (key, value) = (&tx.scratch.out, &tx.scratch.tmp);
                    if r.contains(key) {
                        let _ = r.set(key, value);
                    } else {
                        let _ = r.add(key, Some(value));
                    }
                }
            }
            MapOp::DelAcl | MapOp::DelMap => {
                r.del(&tx.scratch.out);
            }
        }
        Verdict::Continue
    }
}
