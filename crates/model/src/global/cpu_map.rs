//! `cpu-map [auto:]<process-set>[/<thread-set>] <cpu-set>...` (manual 3.1): pinning the
//! process or individual threads to CPUs. Process/thread sets are read by
//! [`crate::procset`], as for `stats socket ... process|thread` and `bind`.
//!
//! Sets are `all`, `odd`, `even`, a number, or a range `N-M` (`N-` runs to the maximum).
//! Since HAProxy 2.5 there is one process, so `1/1-4 0-3` maps threads 1..4 and `1 0-3` maps
//! the whole process; `auto:` distributes the CPUs one by one over the threads.

use std::collections::BTreeMap;

use crate::cnum::leading_uint;
use crate::procset::parse_process_number;

/// Number of process/thread slots a set can name (`LONGBITS`, also HAProxy's `MAX_THREADS`).
pub const LONGBITS: u32 = 64;
/// CPUs a set can name (`CPU_SETSIZE` on Linux).
pub const CPU_SET_SIZE: usize = 1024;

/// A set of CPU numbers `0..CPU_SET_SIZE`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CpuSet {
    words: Vec<u64>,
}

impl CpuSet {
    pub fn insert(&mut self, cpu: usize) {
        if cpu >= CPU_SET_SIZE {
            return;
        }
        if self.words.len() <= cpu / 64 {
            self.words.resize(cpu / 64 + 1, 0);
        }
        self.words[cpu / 64] |= 1 << (cpu % 64);
    }

    pub fn remove(&mut self, cpu: usize) {
        if let Some(w) = self.words.get_mut(cpu / 64) {
            *w &= !(1 << (cpu % 64));
        }
    }

    pub fn contains(&self, cpu: usize) -> bool {
        self.words
            .get(cpu / 64)
            .is_some_and(|w| w & (1 << (cpu % 64)) != 0)
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The CPUs in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.words.len() * 64).filter(|&c| self.contains(c))
    }

    /// The lowest CPU, if any.
    pub fn first(&self) -> Option<usize> {
        self.iter().next()
    }
}

impl std::fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The CPU bindings in force after every `cpu-map` line (later lines override earlier ones
/// for the same process or thread, as in HAProxy).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuMap {
    /// Binding of the whole process.
    pub process: Option<CpuSet>,
    /// Binding per thread, by 1-based thread number.
    pub threads: BTreeMap<u32, CpuSet>,
}

/// What one `cpu-map` line produced, besides the map update: a diagnostic-mode warning.
pub struct CpuMapOutcome {
    pub diag: Option<String>,
}

/// Parses one `cpu-map` line (`words[0]` is the keyword) and applies it to `map`.
/// Errors are HAProxy's texts, to be printed after `parsing [file:line] : `.
pub fn apply_cpu_map(map: &mut CpuMap, words: &[String]) -> Result<CpuMapOutcome, String> {
    let arg = |i: usize| words.get(i).map_or("", String::as_str);
    let kw = arg(0);
    if arg(1).is_empty() || arg(2).is_empty() {
        return Err(format!(
            "{kw} expects a process number  ('all', 'odd', 'even', a number from 1 to {LONGBITS} \
             or a range),  followed by a list of CPU ranges with numbers from 0 to {}.",
            LONGBITS - 1
        ));
    }
    let (proc_text, thread_text) = match arg(1).split_once('/') {
        Some((p, t)) => (p, Some(t)),
        None => (arg(1), None),
    };
    let (procs, autoinc) =
        parse_process_number(proc_text, LONGBITS, true).map_err(|e| format!("{kw} : {e}"))?;
    let threads = match thread_text {
        Some(t) => {
            parse_process_number(t, LONGBITS, false)
                .map_err(|e| format!("{kw} : {e}"))?
                .0
        }
        None => 0,
    };
    let cpu_words: Vec<&str> = words
        .get(2..)
        .unwrap_or(&[])
        .iter()
        .map(String::as_str)
        .take_while(|w| !w.is_empty())
        .collect();
    let cpus = parse_cpu_set(&cpu_words).map_err(|e| format!("{kw} : {e}"))?;

    let n = cpus.len();
    if autoinc && procs.count_ones() as usize != n && threads.count_ones() as usize != n {
        return Err(format!(
            "{kw} : PROC/THREAD range and CPU sets must have the same size to be automatically bound"
        ));
    }

    let mut outcome = CpuMapOutcome { diag: None };
    if threads == 0 || threads == 1 {
        let mut set = cpus;
        if autoinc {
            let mut one = CpuSet::default();
            if let Some(c) = set.first() {
                one.insert(c);
            }
            set = one;
        }
        map.process = Some(set);
    } else {
        let mut pool = cpus.clone();
        for t in 0..LONGBITS {
            if threads & (1 << t) == 0 {
                continue;
            }
            let set = if autoinc {
                let mut one = CpuSet::default();
                if let Some(c) = pool.first() {
                    pool.remove(c);
                    one.insert(c);
                }
                one
            } else {
                cpus.clone()
            };
            map.threads.insert(t + 1, set);
        }
        if procs != 1 {
            outcome.diag = Some(
                "cpu-map statement is considered invalid and thus ignored as it addresses multiple \
                 processes and threads at the same time. At least one of them should be 1 and only 1."
                    .into(),
            );
        }
    }
    Ok(outcome)
}

/// HAProxy's `parse_cpu_set` without commas: each word is `N` or `N-M` (`N-` runs to the
/// last CPU); leading digits are read, anything after them ignored.
pub fn parse_cpu_set(words: &[&str]) -> Result<CpuSet, String> {
    let mut set = CpuSet::default();
    for w in words {
        if !w.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return Err(format!("'{w}' is not a CPU range."));
        }
        let (low, _) = leading_uint(w);
        let high = match w.find('-') {
            Some(i) if i + 1 == w.len() => (CPU_SET_SIZE - 1) as u64,
            Some(i) => leading_uint(&w[i + 1..]).0,
            None => low,
        };
        let (low, high) = if high < low { (high, low) } else { (low, high) };
        if high >= CPU_SET_SIZE as u64 {
            return Err(format!(
                "supports CPU numbers from 0 to {}.",
                CPU_SET_SIZE - 1
            ));
        }
        for c in low..=high {
            set.insert(c as usize);
        }
    }
    Ok(set)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<CpuMap, String> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        let mut map = CpuMap::default();
        apply_cpu_map(&mut map, &words).map(|_| map)
    }
    fn cpus(set: &CpuSet) -> Vec<usize> {
        set.iter().collect()
    }

    #[test]
    fn process_and_thread_forms() {
        let m = run("cpu-map 1 0-3").unwrap();
        assert_eq!(cpus(m.process.as_ref().unwrap()), vec![0, 1, 2, 3]);
        let m = run("cpu-map 1/1-4 0-3").unwrap();
        assert_eq!(m.threads.len(), 4);
        assert_eq!(cpus(&m.threads[&2]), vec![0, 1, 2, 3]);
        let m = run("cpu-map auto:1/1-4 0-3").unwrap();
        assert_eq!(cpus(&m.threads[&1]), vec![0]);
        assert_eq!(cpus(&m.threads[&4]), vec![3]);
        let m = run("cpu-map auto:1 2-3").unwrap_err();
        assert!(m.contains("same size"));
        let m = run("cpu-map auto:1-2 2-3").unwrap();
        assert_eq!(cpus(m.process.as_ref().unwrap()), vec![2]);
        let m = run("cpu-map 1/all 0-1023").unwrap();
        assert_eq!(m.threads.len(), 64);
        let m = run("cpu-map 1/odd 5 7").unwrap();
        assert_eq!(
            m.threads.keys().take(3).copied().collect::<Vec<_>>(),
            vec![1, 3, 5]
        );
        assert_eq!(cpus(&m.threads[&1]), vec![5, 7]);
        let m = run("cpu-map 1/even 1").unwrap();
        assert!(m.threads.contains_key(&2) && !m.threads.contains_key(&1));
        // Leading digits only, open ranges, reversed ranges: as HAProxy.
        let m = run("cpu-map all/1- 3x 1020-").unwrap();
        assert_eq!(m.threads.len(), 64);
        assert_eq!(cpus(&m.threads[&64]), vec![3, 1020, 1021, 1022, 1023]);
        let m = run("cpu-map 1 5-2").unwrap();
        assert_eq!(cpus(m.process.as_ref().unwrap()), vec![2, 3, 4, 5]);
        let mut map = CpuMap::default();
        let words: Vec<String> = "cpu-map 2/2 3".split(' ').map(String::from).collect();
        assert!(apply_cpu_map(&mut map, &words).unwrap().diag.is_some());
    }

    #[test]
    fn errors_match_haproxy() {
        assert_eq!(
            run("cpu-map 1").unwrap_err(),
            "cpu-map expects a process number  ('all', 'odd', 'even', a number from 1 to 64 or a \
             range),  followed by a list of CPU ranges with numbers from 0 to 63."
        );
        assert_eq!(
            run("cpu-map 0 0").unwrap_err(),
            "cpu-map : '0' is not a valid number/range. It supports numbers from 1 to 64.\n"
        );
        assert_eq!(
            run("cpu-map 65 0").unwrap_err(),
            "cpu-map : '65' is not a valid number/range. It supports numbers from 1 to 64.\n"
        );
        assert_eq!(
            run("cpu-map x 0").unwrap_err(),
            "cpu-map : 'x' is not a valid number/range."
        );
        assert_eq!(
            run("cpu-map 1/auto:1 0").unwrap_err(),
            "cpu-map : 'auto:1' is not a valid number/range."
        );
        assert_eq!(
            run("cpu-map auto:1/1-4 0-2").unwrap_err(),
            "cpu-map : PROC/THREAD range and CPU sets must have the same size to be automatically bound"
        );
        assert_eq!(
            run("cpu-map 1/all 1024").unwrap_err(),
            "cpu-map : supports CPU numbers from 0 to 1023."
        );
        assert_eq!(
            run("cpu-map 1/odd a").unwrap_err(),
            "cpu-map : 'a' is not a CPU range."
        );
    }
}
