//! A NATS client for the real-server connection: the protocol without I/O (`proto`), addresses and credentials
//! (`url`, `nkey`), the KV client written once over a byte link (`core`, the command language's async seam), and
//! the links: blocking TCP/WebSocket natively (`native`), the browser's
//! WebSocket in the page (`web`).

pub mod core;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod nkey;
pub mod proto;
pub mod url;
pub mod web;
