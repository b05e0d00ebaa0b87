//! The browser entry point: mounts the playground app.

fn main() {}
