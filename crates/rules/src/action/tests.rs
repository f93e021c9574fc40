//! Unit tests of the action engine.
