//! The embedded JetStream KV engine: a pure, in-memory emulation of a `nats-server` account and its KV buckets.
//!
//! Architecture invariant: nothing here does I/O or reads a clock. Time is a number the caller passes in
//! (`Engine::set_now`), so the same inputs always give the same revisions, timestamps and expiries.

pub mod error;
pub mod headers;
pub mod index;
pub mod kv;
pub mod schedule;
pub mod stream;
pub mod time;
pub mod transform;

pub use error::{ApiError, ErrorKind, KvError};
pub use kv::{
    AccountInfo, ClusterInfo, Config, Engine, Entry, JsLimits, Mapping, Operation, SourceInfo, Status, WatchEvent,
    WatchId, WatchOptions,
};
pub use stream::{JournalEntry, Rejection, Removal, RemovalReason, StorageType};
pub use time::Nanos;
