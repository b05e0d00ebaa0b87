// The tracer, compiled twice by `cli/trace.rs` (plain over the engine, `async` over a connection), as the
// command language it wraps is.

/// A backend that records the API traffic of the operations it passes on.
pub struct Tracer<'a, B: KvBackend> {
    pub inner: &'a mut B,
    /// The tracer's writing when the command asked for a trace and this module has it (`writer`); without it
    /// the tracer only passes calls on, so the command language has one copy per backend whether a command
    /// traces or not.
    w: Option<&'static Writer>,
    /// The command asked for a trace that this module cannot write.
    missing: bool,
    log: Log,
    /// A stream list was traced: the statuses read from it are not requests of their own.
    listed: std::cell::Cell<bool>,
}

impl<'a, B: KvBackend> Tracer<'a, B> {
    /// Starts a trace when `on`; natscli's first line is its connect handler's.
    pub fn new(inner: &'a mut B, tz: i64, on: bool) -> Tracer<'a, B> {
        let w = if on { writer() } else { None };
        let log = Log { text: RefCell::new(String::new()), tz };
        let t = Tracer { inner, w, missing: on && w.is_none(), log, listed: std::cell::Cell::new(false) };
        if let Some(w) = t.w {
            (w.connected)(&t.log, t.inner.now(), &t.inner.connection_info());
        }
        t
    }

    /// What was traced, as the CLI writes it to stderr.
    pub fn take(&self) -> String {
        if self.missing {
            return NOT_HERE.to_string();
        }
        std::mem::take(&mut *self.log.text.borrow_mut())
    }
}

impl<B: KvBackend> KvBackend for Tracer<'_, B> {
    fn now(&self) -> Nanos {
        self.inner.now()
    }
    kv_fn! {
    fn set_now(&mut self, now: Nanos) {
        aw!(self.inner.set_now(now))
    }
    }
    fn connection_info(&self) -> ConnectionInfo {
        self.inner.connection_info()
    }
    kv_fn! {
    fn account_info(&mut self) -> Result<AccountInfo, KvError> {
        let r = aw!(self.inner.account_info());
        if let Some(w) = self.w {
            (w.account_info)(&self.log, self.inner.now(), &r);
        }
        r
    }
    }
    kv_fn! {
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let r = aw!(self.inner.create_bucket(cfg));
        if let Some(w) = self.w {
            (w.bucket_written)(&self.log, self.inner.now(), cfg, false, &r);
        }
        r
    }
    }
    kv_fn! {
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        let r = aw!(self.inner.update_bucket(cfg));
        if let Some(w) = self.w {
            (w.bucket_written)(&self.log, self.inner.now(), cfg, true, &r);
        }
        r
    }
    }
    kv_fn! {
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        let r = aw!(self.inner.delete_bucket(bucket));
        if let Some(w) = self.w {
            (w.bucket_deleted)(&self.log, self.inner.now(), bucket, &r);
        }
        r
    }
    }
    kv_fn! {
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        let r = aw!(self.inner.status(bucket));
        if let (Some(w), false) = (self.w, self.listed.get()) {
            (w.status)(&self.log, self.inner.now(), bucket, &r);
        }
        r
    }
    }
    kv_fn! {
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        let r = aw!(self.inner.bucket_names());
        let Some(w) = self.w else { return r };
        let mut statuses = Vec::new();
        for n in r.as_deref().unwrap_or_default() {
            if let Ok(st) = aw!(self.inner.status(n)) {
                statuses.push(st);
            }
        }
        (w.listed)(&self.log, self.inner.now(), &r, &statuses);
        self.listed.set(true);
        r
    }
    }
    kv_fn! {
    fn put(&mut self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        aw!(self.inner.put(bucket, key, value))
    }
    }
    kv_fn! {
    fn create(&mut self, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        aw!(self.inner.create(bucket, key, value, ttl))
    }
    }
    kv_fn! {
    fn update(&mut self, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        aw!(self.inner.update(bucket, key, value, revision))
    }
    }
    kv_fn! {
    fn delete(&mut self, bucket: &str, key: &str) -> Result<u64, KvError> {
        aw!(self.inner.delete(bucket, key))
    }
    }
    kv_fn! {
    fn purge(&mut self, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        aw!(self.inner.purge(bucket, key, ttl))
    }
    }
    kv_fn! {
    fn get(&mut self, bucket: &str, key: &str) -> Result<Entry, KvError> {
        let r = aw!(self.inner.get(bucket, key));
        if let Some(w) = self.w {
            (w.got)(&self.log, self.inner.now(), bucket, key, None, &r);
        }
        r
    }
    }
    kv_fn! {
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        let r = aw!(self.inner.get_revision(bucket, key, revision));
        if let Some(w) = self.w {
            (w.got)(&self.log, self.inner.now(), bucket, key, Some(revision), &r);
        }
        r
    }
    }
    kv_fn! {
    fn history(&mut self, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        aw!(self.inner.history(bucket, key))
    }
    }
    kv_fn! {
    fn keys(&mut self, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        aw!(self.inner.keys(bucket, filters))
    }
    }
    kv_fn! {
    fn watch(&mut self, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        aw!(self.inner.watch(bucket, patterns, options))
    }
    }
    kv_fn! {
    fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        aw!(self.inner.poll_watch(id))
    }
    }
    kv_fn! {
    fn stop_watch(&mut self, id: WatchId) {
        aw!(self.inner.stop_watch(id))
    }
    }
    kv_fn! {
    fn purge_deletes(&mut self, bucket: &str) -> Result<(), KvError> {
        aw!(self.inner.purge_deletes(bucket))
    }
    }
}
