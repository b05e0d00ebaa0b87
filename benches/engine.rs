//! Engine benchmark.
fn main() {}
