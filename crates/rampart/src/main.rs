//! The `rampart` binary (STUB).
fn main() {}
