// The KV algorithm's text, compiled twice by `store/mod.rs`: in `store::local` as plain functions over the
// in-process seam, in `store::wire` as `async` functions over the wire's (`kv_fn!` adds `async`, `aw!` adds `.await`).

/// The JetStream calls a KV store makes. Errors from the API come as `KvError::api` (10059 when a stream does
/// not exist); a publish's refusal as `KvError::publish`; a subject nothing listens on as `NoResponders`.
#[allow(async_fn_in_trait)]
pub trait JetStream {
    /// The server's time, for a marker's age.
    fn now(&self) -> Nanos;
    /// The most one message may carry (header and data).
    fn max_payload(&self) -> u64;
    kv_fn! { fn account_info(&mut self) -> Result<AccountInfo, KvError>; }
    kv_fn! {
        /// A stream's info in KV's shape (its `bucket` left for the store to name).
        fn stream_info(&mut self, stream: &str) -> Result<Status, KvError>; }
    kv_fn! {
        /// A stream's configuration, which a connection may remember; `None` when there is no such stream.
        fn stream_config(&mut self, stream: &str) -> Result<Option<StreamConfig>, KvError>; }
    kv_fn! { fn create_stream(&mut self, config: &StreamConfig) -> Result<(), KvError>; }
    kv_fn! { fn update_stream(&mut self, config: &StreamConfig) -> Result<(), KvError>; }
    kv_fn! { fn delete_stream(&mut self, stream: &str) -> Result<(), KvError>; }
    kv_fn! {
        /// The names of the streams whose subjects meet `subject`.
        fn stream_names(&mut self, subject: &str) -> Result<Vec<String>, KvError>; }
    kv_fn! {
        /// Publishes and waits for the stream's acknowledgement: the message's sequence.
        fn publish(&mut self, subject: &str, headers: Headers, data: &[u8]) -> Result<u64, KvError>; }
    kv_fn! {
        /// One message (a direct get where the stream allows it); `None` when there is none.
        fn get_msg(&mut self, stream: &str, at: MsgAt) -> Result<Option<Msg>, KvError>; }
    kv_fn! {
        /// Purges a subject of a stream, keeping its newest `keep` messages.
        fn purge_subject(&mut self, stream: &str, subject: &str, keep: u64) -> Result<(), KvError>; }
    kv_fn! {
        /// Makes an ordered consumer; its deliveries queue until asked for.
        fn create_consumer(&mut self, consumer: OrderedConsumer) -> Result<WatchId, KvError>; }
    kv_fn! {
        /// What a consumer delivered since it was last asked, with what its watcher asked for; over the wire, after
        /// waiting for what the server owes. `None` for a consumer it does not know.
        fn deliveries(&mut self, id: WatchId) -> Option<(WatchOptions, Vec<Delivery>)>; }
    kv_fn! { fn delete_consumer(&mut self, id: WatchId); }
}

kv_fn! {
    /// Opens a bucket as a client binds to one: its stream's configuration, which must exist.
    fn open<J: JetStream>(js: &mut J, bucket: &str) -> Result<StreamConfig, KvError> {
        if !bucket_valid(bucket) {
            return Err(KvError::invalid_bucket());
        }
        aw!(js.stream_config(&stream_of(bucket)))?.ok_or_else(KvError::bucket_not_found)
    }
}

kv_fn! {
    /// A bucket's status (`nats kv info`).
    pub fn status<J: JetStream>(js: &mut J, bucket: &str) -> Result<Status, KvError> {
        if !bucket_valid(bucket) {
            return Err(KvError::invalid_bucket());
        }
        match aw!(js.stream_info(&stream_of(bucket))) {
            Ok(st) => Ok(Status { bucket: bucket.to_string(), ..st }),
            Err(e) if e.api.as_ref().is_some_and(|a| a.err_code == 10059) => Err(KvError::bucket_not_found()),
            Err(e) => Err(e),
        }
    }
}

kv_fn! {
    /// Creates a bucket; the same configuration again is accepted, another one is "bucket name already in use".
    pub fn create_key_value<J: JetStream>(js: &mut J, cfg: &Config) -> Result<Status, KvError> {
        let sc = cfg.to_stream_config()?;
        match aw!(js.create_stream(&sc)) {
            Err(KvError { api: Some(e), .. }) if e.err_code == 10058 => Err(KvError::bucket_exists(&cfg.bucket, e)),
            Err(e) => Err(e),
            Ok(()) => aw!(status(js, &cfg.bucket)),
        }
    }
}

kv_fn! {
    /// Changes a bucket's configuration (`nats kv edit`).
    pub fn update_key_value<J: JetStream>(js: &mut J, cfg: &Config) -> Result<Status, KvError> {
        let sc = cfg.to_stream_config()?;
        match aw!(js.update_stream(&sc)) {
            Err(KvError { api: Some(e), .. }) if e.err_code == 10059 => Err(KvError {
                kind: ErrorKind::BucketNotFound,
                message: format!("nats: bucket not found: {}", cfg.bucket),
                api: Some(e),
            }),
            Err(e) => Err(e),
            Ok(()) => aw!(status(js, &cfg.bucket)),
        }
    }
}

kv_fn! {
    /// Deletes a bucket and everything in it.
    pub fn delete_key_value<J: JetStream>(js: &mut J, bucket: &str) -> Result<(), KvError> {
        if !bucket_valid(bucket) {
            return Err(KvError::invalid_bucket());
        }
        match aw!(js.delete_stream(&stream_of(bucket))) {
            Err(KvError { api: Some(e), .. }) if e.err_code == 10059 => Err(KvError {
                kind: ErrorKind::BucketNotFound,
                message: format!("nats: bucket not found: {bucket}\n{e}"),
                api: Some(e),
            }),
            r => r,
        }
    }
}

kv_fn! {
    /// The names of the buckets, sorted: the streams on KV's subjects.
    pub fn key_value_store_names<J: JetStream>(js: &mut J) -> Result<Vec<String>, KvError> {
        let names: Vec<String> = aw!(js.stream_names("$KV.*.>"))?
            .into_iter()
            .filter_map(|s| s.strip_prefix("KV_").map(str::to_string))
            .collect();
        Ok(crate::engine::index::sorted_unique(names))
    }
}

kv_fn! {
    /// A write to a key: its headers decide what it is (`KvWrite`). A mirror's writes go to its origin's subjects.
    fn write<J: JetStream>(js: &mut J, bucket: &str, key: &str, w: KvWrite, value: &[u8]) -> Result<u64, KvError> {
        let cfg = aw!(open(js, bucket))?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        let headers = w.headers();
        // The client refuses a message over the server's max payload before sending it.
        if (hdr::encoded_len(&headers) + value.len()) as u64 > js.max_payload() {
            return Err(KvError { kind: ErrorKind::Other, message: "nats: maximum payload exceeded".into(), api: None });
        }
        let subject = match &cfg.mirror {
            Some(m) => subject_of(m.name.strip_prefix("KV_").unwrap_or(&m.name), key),
            None => subject_of(bucket, key),
        };
        match aw!(js.publish(&subject, headers, value)) {
            Err(e) if e.kind == ErrorKind::NoResponders => Err(match aw!(status(js, bucket)) {
                // The bucket went away (deleted by another client), or nothing takes its writes.
                Err(gone) => gone,
                Ok(_) => KvError { kind: ErrorKind::NoResponders, message: "nats: no response from stream".into(), api: None },
            }),
            r => r,
        }
    }
}

kv_fn! {
    /// Puts a value, whatever the key held before.
    pub fn put<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8]) -> Result<u64, KvError> {
        aw!(write(js, bucket, key, KvWrite::Put, value))
    }
}

kv_fn! {
    /// Puts a value only if the key has none (never written, or deleted or purged last), optionally with a TTL:
    /// a write expecting no message, retried once over a marker, as the clients do.
    pub fn create<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8], ttl: Nanos) -> Result<u64, KvError> {
        let err = match aw!(write(js, bucket, key, KvWrite::Expect { expect: 0, ttl }, value)) {
            Ok(rev) => return Ok(rev),
            Err(e) => e,
        };
        // As nats.go: whatever refused the write, a key whose last message is a marker is written again over it.
        let last = aw!(js.get_msg(&stream_of(bucket), MsgAt::LastBySubject(subject_of(bucket, key)))).ok().flatten();
        let rev = create_retry(err, last.map(|m| (Operation::from_headers(&m.headers), m.seq)))?;
        aw!(write(js, bucket, key, KvWrite::Expect { expect: rev, ttl }, value))
    }
}

kv_fn! {
    /// Puts a value only if `revision` is the key's latest revision.
    pub fn update<J: JetStream>(js: &mut J, bucket: &str, key: &str, value: &[u8], revision: u64) -> Result<u64, KvError> {
        aw!(write(js, bucket, key, KvWrite::Expect { expect: revision, ttl: 0 }, value))
    }
}

kv_fn! {
    /// Stores a delete marker.
    pub fn delete<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<u64, KvError> {
        aw!(write(js, bucket, key, KvWrite::Delete, b""))
    }
}

kv_fn! {
    /// Stores a purge marker that rolls up every earlier revision of the key, optionally with a TTL.
    pub fn purge<J: JetStream>(js: &mut J, bucket: &str, key: &str, ttl: Nanos) -> Result<u64, KvError> {
        aw!(write(js, bucket, key, KvWrite::Purge { ttl }, b""))
    }
}

kv_fn! {
    /// The key's current value; a deleted or purged key is "key not found".
    pub fn get<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<Entry, KvError> {
        aw!(open(js, bucket))?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        match aw!(js.get_msg(&stream_of(bucket), MsgAt::LastBySubject(subject_of(bucket, key))))? {
            Some(m) if Operation::from_headers(&m.headers) == Operation::Put => Ok(entry_of(m, 0)),
            _ => Err(KvError::key_not_found()),
        }
    }
}

kv_fn! {
    /// One revision of a key (async-nats's `entry_for_revision`); a revision of another key, a marker or a removed
    /// revision is "key not found".
    pub fn entry<J: JetStream>(js: &mut J, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        aw!(open(js, bucket))?;
        if !key_valid(key) {
            return Err(KvError::invalid_key());
        }
        match aw!(js.get_msg(&stream_of(bucket), MsgAt::Seq(revision)))? {
            Some(m)
                if m.seq == revision
                    && m.subject == subject_of(bucket, key)
                    && Operation::from_headers(&m.headers) == Operation::Put =>
            {
                Ok(entry_of(m, 0))
            }
            _ => Err(KvError::key_not_found()),
        }
    }
}

kv_fn! {
    /// Starts a watch: its initial values (per the options), then the end of the initial values (unless
    /// `updates_only`), then every later matching change (`watch_events`).
    pub fn watch<J: JetStream>(js: &mut J, bucket: &str, patterns: &[String], options: WatchOptions) -> Result<WatchId, KvError> {
        aw!(open(js, bucket))?;
        let patterns = search_patterns(patterns)?;
        aw!(js.create_consumer(watch_consumer(bucket, &patterns, options, false)))
    }
}

kv_fn! {
    /// What a watch received since it was last asked.
    pub fn watch_events<J: JetStream>(js: &mut J, id: WatchId) -> Vec<WatchEvent> {
        let Some((options, deliveries)) = aw!(js.deliveries(id)) else { return Vec::new() };
        events(options, deliveries)
    }
}

kv_fn! {
    /// Stops a watch.
    pub fn stop_watch<J: JetStream>(js: &mut J, id: WatchId) {
        aw!(js.delete_consumer(id));
    }
}

kv_fn! {
    /// Reads a consumer's initial values to their end, then deletes it.
    fn initial<J: JetStream>(js: &mut J, consumer: OrderedConsumer) -> Result<Vec<Entry>, KvError> {
        let id = aw!(js.create_consumer(consumer))?;
        let mut out = Vec::new();
        let mut done = false;
        while !done {
            let Some((_, got)) = aw!(js.deliveries(id)) else { break };
            if got.is_empty() {
                aw!(js.delete_consumer(id));
                return Err(KvError { kind: ErrorKind::Timeout, message: "nats: timeout".into(), api: None });
            }
            for d in got {
                match d {
                    Delivery::Msg { msg, pending } => out.push(entry_of(msg, pending)),
                    Delivery::CaughtUp | Delivery::Gone => done = true,
                }
            }
        }
        aw!(js.delete_consumer(id));
        Ok(out)
    }
}

kv_fn! {
    /// Every kept revision of a key (or key pattern), oldest first, markers included.
    pub fn history<J: JetStream>(js: &mut J, bucket: &str, key: &str) -> Result<Vec<Entry>, KvError> {
        aw!(open(js, bucket))?;
        if !search_key_valid(key) {
            return Err(invalid_search_key());
        }
        let options = WatchOptions { include_history: true, ..WatchOptions::default() };
        let h = aw!(initial(js, watch_consumer(bucket, &[key.to_string()], options, false)))?;
        if h.is_empty() {
            return Err(KvError::key_not_found());
        }
        Ok(h)
    }
}

kv_fn! {
    /// The keys that hold a value, in the order of their latest revision, optionally filtered by patterns.
    pub fn keys<J: JetStream>(js: &mut J, bucket: &str, filters: &[String]) -> Result<Vec<String>, KvError> {
        aw!(open(js, bucket))?;
        let patterns = search_patterns(filters)?;
        let options = WatchOptions { ignore_deletes: true, ..WatchOptions::default() };
        let latest = aw!(initial(js, watch_consumer(bucket, &patterns, options, true)))?;
        Ok(latest.into_iter().filter(|e| e.operation == Operation::Put).map(|e| e.key).collect())
    }
}

kv_fn! {
    /// Removes delete and purge markers (`nats kv compact`): markers older than 30 minutes go with their key,
    /// younger ones stay as the key's only message.
    pub fn purge_deletes<J: JetStream>(js: &mut J, bucket: &str) -> Result<(), KvError> {
        aw!(open(js, bucket))?;
        let latest = aw!(initial(js, watch_consumer(bucket, &[">".to_string()], WatchOptions::default(), true)))?;
        let limit = js.now() - PURGE_DELETES_MARKER_THRESHOLD;
        for m in latest.into_iter().filter(|e| e.operation != Operation::Put) {
            let keep = if m.created > limit { 1 } else { 0 };
            aw!(js.purge_subject(&stream_of(bucket), &subject_of(bucket, &m.key), keep))?;
        }
        Ok(())
    }
}
