//! NATS KV Playground: an embedded JetStream KV engine, the `nats kv` command language over it, and the browser app.

pub mod app;
pub mod backend;
pub mod cli;
pub mod client;
pub mod clock;
pub mod codegen;
pub mod engine;
pub mod lesson;
pub mod mdbook;
#[cfg(not(target_arch = "wasm32"))]
pub mod net;
pub mod script;
pub mod server;
pub mod session;
pub mod store;
pub mod transfer;
pub mod viz;
#[cfg(not(target_arch = "wasm32"))]
pub mod workshop;
