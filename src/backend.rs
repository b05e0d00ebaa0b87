//! The one seam between the command language and a KV store: the embedded engine implements it today, and a
//! connection to a real `nats-server` implements the same operations, so every command behaves alike on both.

use crate::engine::{AccountInfo, Config, Engine, Entry, KvError, Nanos, Status, WatchEvent, WatchId, WatchOptions};

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

/// A KV store the `nats kv` commands can run against. The method names follow the clients'.
pub trait KvBackend {
    /// The backend's current time.
    fn now(&self) -> Nanos;
    /// Moves the backend's clock to `now`. The embedded engine follows it; a real server keeps its own time.
    fn set_now(&mut self, now: Nanos);
    fn connection_info(&self) -> ConnectionInfo;
    fn account_info(&self) -> Result<AccountInfo, KvError>;
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError>;
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError>;
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError>;
    fn status(&self, bucket: &str) -> Result<Status, KvError>;
    fn bucket_names(&self) -> Result<Vec<String>, KvError>;
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError>;
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError>;
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError>;
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError>;
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError>;
    fn get(&self, bucket: &str, key: &str) -> Result<Entry, KvError>;
    fn get_revision(&self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError>;
    fn history(&self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError>;
    fn keys(&self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError>;
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError>;
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent>;
    fn stop_watch(&mut self, id: WatchId);
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError>;
}

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
    fn account_info(&self) -> Result<AccountInfo, KvError> {
        Ok(Engine::account_info(self))
    }
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        Engine::create_bucket(self, cfg)
    }
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        Engine::update_bucket(self, cfg)
    }
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        Engine::delete_bucket(self, bucket)
    }
    fn status(&self, bucket: &str) -> Result<Status, KvError> {
        Engine::status(self, bucket)
    }
    fn bucket_names(&self) -> Result<Vec<String>, KvError> {
        Ok(Engine::bucket_names(self))
    }
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        Engine::put(self, bucket, key, value)
    }
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        Engine::create(self, bucket, key, value, ttl)
    }
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        Engine::update(self, bucket, key, value, revision)
    }
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        Engine::delete(self, bucket, key)
    }
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        Engine::purge(self, bucket, key, ttl)
    }
    fn get(&self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        Engine::get(self, bucket, key)
    }
    fn get_revision(&self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        Engine::get_revision(self, bucket, key, revision)
    }
    fn history(&self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        Engine::history(self, bucket, key)
    }
    fn keys(&self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        Engine::keys(self, bucket, filters)
    }
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        Engine::watch(self, bucket, patterns, options)
    }
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        Engine::poll_watch(self, id)
    }
    fn stop_watch(&mut self, id: WatchId) {
        Engine::stop_watch(self, id)
    }
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        Engine::purge_deletes(self, bucket)
    }
}
