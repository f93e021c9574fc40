//! Layer 0 of Rampart: the vocabulary every other crate shares and that does no I/O.
//!
//! For now this is C number reading with HAProxy's rules ([`cnum`]), the version identity (which HAProxy release Rampart is compatible
//! with) and the feature list that `-vv`, `.if feature(...)` and `-cc` all read, so the
//! three can never disagree. Later: ids, samples, HTTP heads, counters, termination states.

pub mod cnum;
pub mod features;
pub mod fingerprint;
pub mod grow;
pub mod hash;
pub mod version;
