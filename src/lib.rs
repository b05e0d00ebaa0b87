//! NATS KV Playground: an embedded JetStream KV engine, the `nats kv` command language over it, and the browser app.

pub mod engine;
