//! The seam between the command language and a KV store: the embedded server (in process) and a connection to a
//! server implement it, both through the one KV algorithm in `store`, so every command behaves alike on both.

use crate::engine::{AccountInfo, Config, Entry, KvError, Nanos, Status, WatchEvent, WatchId, WatchOptions};
use crate::server::Standalone;
use crate::store;

/// What `nats account info` shows about the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub user: String,
    pub account: String,
    pub client_id: u64,
    pub client_ip: String,
    pub rtt: Nanos,
    pub headers_supported: bool,
    pub max_payload: u64,
    pub url: String,
    pub address: String,
    pub server_id: String,
    pub server_version: String,
    pub server_name: String,
}

/// The seam over the embedded server in process: plain methods.
pub mod local {
    use super::*;
    #[allow(unused_imports)]
    use crate::plain_fn as kv_fn;
    include!("backend/seam.rs");
}

/// The seam over a connection: the same methods, `async`.
pub mod wire {
    use super::*;
    #[allow(unused_imports)]
    use crate::async_fn as kv_fn;
    include!("backend/seam.rs");
}

pub use local::KvBackend;

/// The embedded server's identity, shaped like a real server's.
pub const EMBEDDED_SERVER_ID: &str = crate::engine::kv::SERVER_ID;

/// The embedded server, to a client in process: writes go to its JetStream handler (`server::local`), reads
/// through a view of its engine.
impl KvBackend for Standalone {
    fn now(&self) -> Nanos {
        self.engine.now()
    }
    fn set_now(&mut self, now: Nanos) {
        self.step_to(now);
    }
    fn connection_info(&self) -> ConnectionInfo {
        ConnectionInfo {
            user: String::new(),
            account: "$G".into(),
            client_id: 1,
            client_ip: "127.0.0.1".into(),
            rtt: 0,
            headers_supported: true,
            max_payload: 1 << 20,
            url: "embedded://playground".into(),
            address: "embedded".into(),
            server_id: EMBEDDED_SERVER_ID.into(),
            server_version: "2.15.1-playground".into(),
            server_name: EMBEDDED_SERVER_ID.into(),
        }
    }
    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        crate::store::local::JetStream::account_info(&mut self.in_process())
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::local::create_key_value(&mut self.in_process(), cfg)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::local::update_key_value(&mut self.in_process(), cfg)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        store::local::delete_key_value(&mut self.in_process(), bucket)
    }
    // Reads go through a view of the engine, whose consumers are its own: they change nothing.
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        self.engine.view().status(bucket)
    }
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        self.engine.view().bucket_names()
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        store::local::put(&mut self.in_process(), bucket, key, value)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        store::local::create(&mut self.in_process(), bucket, key, value, ttl)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        store::local::update(&mut self.in_process(), bucket, key, value, revision)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        store::local::delete(&mut self.in_process(), bucket, key)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        store::local::purge(&mut self.in_process(), bucket, key, ttl)
    }
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        self.engine.view().get(bucket, key)
    }
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        self.engine.view().entry(bucket, key, revision)
    }
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        self.engine.view().history(bucket, key)
    }
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        self.engine.view().keys(bucket, filters)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        store::local::watch(&mut self.in_process(), bucket, patterns, options)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        store::local::watch_events(&mut self.in_process(), id)
    }
    fn stop_watch(&mut self, id: WatchId) {
        store::local::stop_watch(&mut self.in_process(), id)
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        store::local::purge_deletes(&mut self.in_process(), bucket)
    }
}
