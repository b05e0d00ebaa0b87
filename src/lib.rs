//! NATS KV Playground: an embedded JetStream KV engine, the `nats kv` command language over it, and the browser app.

// Code that serves blocking and async callers from one text (the KV store, the seam the command language runs
// over, the command language's runner, the session, the lesson runner) is compiled twice: in a `local` module
// as plain functions over the embedded server in process, and in a `wire` module as `async` ones over a connection.
// The text marks its functions with `kv_fn!` and its waits with `aw!`; each module names which pair they are.
macro_rules! plain_fn {
    ($(#[$m:meta])* $v:vis fn $($rest:tt)*) => { $(#[$m])* $v fn $($rest)* };
}
macro_rules! async_fn {
    ($(#[$m:meta])* $v:vis fn $($rest:tt)*) => { $(#[$m])* $v async fn $($rest)* };
}
macro_rules! plain_aw {
    ($e:expr) => {
        $e
    };
}
macro_rules! async_aw {
    ($e:expr) => {
        $e.await
    };
}
#[allow(unused_imports)]
pub(crate) use {async_aw, async_fn, plain_aw, plain_fn};

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
#[cfg(not(target_arch = "wasm32"))]
pub mod protocol_trace;
pub mod script;
pub mod server;
pub mod session;
pub mod store;
pub mod transfer;
pub mod viz;
#[cfg(not(target_arch = "wasm32"))]
pub mod workshop;
