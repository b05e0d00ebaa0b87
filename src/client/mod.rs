//! A NATS client for the real-server connection: the protocol without I/O (`proto`), and a blocking TCP
//! connection with the JetStream KV operations shaped like the embedded engine's (`remote`, native only).

pub mod proto;
#[cfg(not(target_arch = "wasm32"))]
pub mod remote;
