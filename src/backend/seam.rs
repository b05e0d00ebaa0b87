// The seam the command language runs over, compiled twice by `backend.rs`: `backend::local::KvBackend` (plain,
// the embedded server in process) and `backend::wire::KvBackend` (`async`, a connection): `kv_fn!` adds `async`.

/// A KV store the `nats kv` commands can run against. The method names follow the clients'.
#[allow(async_fn_in_trait)]
pub trait KvBackend {
    /// The backend's current time.
    fn now(&self) -> Nanos;
    kv_fn! {
        /// Moves the backend's clock to `now`. The embedded engine follows it; a real server keeps its own time
        /// (a connection waits for real, as long as the move).
        fn set_now(&mut self, now: Nanos); }
    fn connection_info(&self) -> ConnectionInfo;
    kv_fn! { fn account_info(&mut self) -> Result<AccountInfo, KvError>; }
    kv_fn! { fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError>; }
    kv_fn! { fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError>; }
    kv_fn! { fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError>; }
    kv_fn! { fn status(&mut self, bucket: &str) -> Result<Status, KvError>; }
    kv_fn! { fn bucket_names(&mut self) -> Result<Vec<String>, KvError>; }
    kv_fn! { fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError>; }
    kv_fn! { fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError>; }
    kv_fn! { fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError>; }
    kv_fn! { fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError>; }
    kv_fn! { fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError>; }
    kv_fn! { fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError>; }
    kv_fn! { fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError>; }
    kv_fn! { fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError>; }
    kv_fn! { fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError>; }
    kv_fn! { fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError>; }
    kv_fn! { fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent>; }
    kv_fn! { fn stop_watch(&mut self, id: WatchId); }
    kv_fn! { fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError>; }
}
