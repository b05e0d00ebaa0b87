//! `kvplay`: runs `nats kv` scripts and lessons headless, over the same code the browser runs.

fn main() {}
