//! The seam between the command language and a KV store: the embedded engine (in process) and a connection to a
//! server implement it, both through the one KV algorithm in `store`, so every command behaves alike on both.

use crate::engine::{AccountInfo, Config, Engine, Entry, KvError, Nanos, Status, WatchEvent, WatchId, WatchOptions};
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

/// The seam over the engine in process: plain methods.
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

impl KvBackend for Engine {
    fn now(&self) -> Nanos {
        Engine::now(self)
    }
    fn set_now(&mut self, now: Nanos) {
        Engine::set_now(self, now);
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
        Ok(Engine::account_info(self))
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::local::create_key_value(&mut self.local(), cfg)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        store::local::update_key_value(&mut self.local(), cfg)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        store::local::delete_key_value(&mut self.local(), bucket)
    }
    // Reads go through a view of the engine, whose consumers are its own: they change nothing.
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        self.view().status(bucket)
    }
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        self.view().bucket_names()
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        store::local::put(&mut self.local(), bucket, key, value)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        store::local::create(&mut self.local(), bucket, key, value, ttl)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        store::local::update(&mut self.local(), bucket, key, value, revision)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        store::local::delete(&mut self.local(), bucket, key)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        store::local::purge(&mut self.local(), bucket, key, ttl)
    }
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        self.view().get(bucket, key)
    }
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        self.view().entry(bucket, key, revision)
    }
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        self.view().history(bucket, key)
    }
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        self.view().keys(bucket, filters)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        store::local::watch(&mut self.local(), bucket, patterns, options)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        store::local::watch_events(&mut self.local(), id)
    }
    fn stop_watch(&mut self, id: WatchId) {
        store::local::stop_watch(&mut self.local(), id)
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        store::local::purge_deletes(&mut self.local(), bucket)
    }
}
