// The tracer, compiled twice by `cli/trace.rs` (plain over the engine, `async` over a connection), as the
// command language it wraps is.

/// A backend that records the API traffic of the operations it passes on.
pub struct Tracer<'a, B: KvBackend> {
    pub inner: &'a mut B,
    /// Whether the command asked for a trace: without it the tracer only passes calls on, so the command language
    /// has one copy per backend whether a command traces or not.
    on: bool,
    tz: i64,
    log: RefCell<String>,
    /// A stream list was traced: the statuses read from it are not requests of their own.
    listed: std::cell::Cell<bool>,
}

impl<'a, B: KvBackend> Tracer<'a, B> {
    /// Starts a trace when `on`; natscli's first line is its connect handler's.
    pub fn new(inner: &'a mut B, tz: i64, on: bool) -> Tracer<'a, B> {
        let t = Tracer { inner, on, tz, log: RefCell::new(String::new()), listed: std::cell::Cell::new(false) };
        if on {
            let c = t.inner.connection_info();
            let line = format!(">>> Connected to {} ({})\n", c.url, c.address);
            t.write(&line);
        }
        t
    }

    /// What was traced, as the CLI writes it to stderr.
    pub fn take(&self) -> String {
        std::mem::take(&mut *self.log.borrow_mut())
    }

    fn write(&self, text: &str) {
        let c = civil(self.inner.now(), self.tz);
        self.log.borrow_mut().push_str(&format!("{:02}:{:02}:{:02} {text}", c.hour, c.minute, c.second));
    }

    fn request(&self, subject: &str, body: &str) {
        self.write(&format!(">>> {subject}\n{body}\n\n"));
    }

    fn reply(&self, subject: &str, body: &str) {
        self.write(&format!("<<< {subject}: {body}\n"));
    }

    /// A request as jsm.go (natscli's stream listing and account info) traces it (`manager.go`
    /// `requestWithContext`: the subject, the body on a line of its own, then the reply after the subject).
    fn jsm_request(&self, subject: &str, body: &str, reply: Result<String, String>) {
        self.write(&format!(">>> {subject}\n"));
        self.write(&format!("{body}\n"));
        match reply {
            Ok(r) => self.write(&format!("<<< {subject}\n{r}\n\n")),
            Err(e) => self.write(&format!("<<< {subject}: {e}\n\n")),
        }
    }

    fn json_reply(&self, subject: &str, kind: &str, r: Result<String, &KvError>) {
        let v = match r {
            Ok(v) => v,
            Err(e) => error_reply(kind, e),
        };
        self.reply(subject, &v);
    }

    /// natscli's report after `kv add` and `kv edit` asks for the bucket's status again (`showStatus`).
    fn status_after(&self, stream: &str, r: &Result<Status, KvError>) {
        if let Ok(st) = r {
            let subject = format!("$JS.API.STREAM.INFO.{stream}");
            self.request(&subject, "");
            self.reply(&subject, &stream_info("stream_info_response", st, self.inner.now()));
        }
    }

    fn direct_get(&self, bucket: &str, key: &str, body: &str, r: &Result<Entry, KvError>) {
        let subject = format!("$JS.API.DIRECT.GET.KV_{bucket}");
        let subject = if body.is_empty() { format!("{subject}.$KV.{bucket}.{key}") } else { subject };
        self.request(&subject, body);
        // A direct get answers with the message itself (or a status header); nats.go traces its payload.
        let payload = match r {
            Ok(e) => String::from_utf8_lossy(&e.value).into_owned(),
            Err(_) => String::new(),
        };
        self.reply(&subject, &payload);
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
        if !self.on {
            return aw!(self.inner.account_info());
        }
        let r = aw!(self.inner.account_info());
        let reply = match &r {
            Ok(a) => Ok(obj(&[
                ("type", text("io.nats.jetstream.api.v1.account_info_response")),
                ("memory", a.memory.to_string()),
                ("storage", a.storage.to_string()),
                ("reserved_memory", a.reserved_memory.to_string()),
                ("reserved_storage", a.reserved_storage.to_string()),
                ("streams", a.streams.to_string()),
                ("consumers", a.consumers.to_string()),
            ])),
            Err(e)
                if matches!(
                    e.kind,
                    crate::engine::ErrorKind::JetStreamNotEnabled | crate::engine::ErrorKind::NoResponders
                ) =>
            {
                Err("nats: no responders available for request".to_string())
            }
            Err(e) => Err(e.message.strip_prefix("nats: error: ").unwrap_or(&e.message).to_string()),
        };
        self.jsm_request("$JS.API.INFO", "", reply);
        r
    }
    }
    kv_fn! {
    fn create_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        if !self.on {
            return aw!(self.inner.create_bucket(cfg));
        }
        let name = format!("KV_{}", cfg.bucket);
        let subject = format!("$JS.API.STREAM.CREATE.{name}");
        let body = cfg.to_stream_config().map(|sc| go_stream_config(&sc)).unwrap_or_default();
        self.request(&subject, &body);
        let r = aw!(self.inner.create_bucket(cfg));
        let now = self.inner.now();
        self.json_reply(
            &subject,
            "stream_create_response",
            r.as_ref().map(|st| stream_info("stream_create_response", st, now)),
        );
        self.status_after(&name, &r);
        r
    }
    }
    kv_fn! {
    fn update_bucket(&mut self, cfg: &Config) -> Result<Status, KvError> {
        if !self.on {
            return aw!(self.inner.update_bucket(cfg));
        }
        let name = format!("KV_{}", cfg.bucket);
        let subject = format!("$JS.API.STREAM.UPDATE.{name}");
        let body = cfg.to_stream_config().map(|sc| go_stream_config(&sc)).unwrap_or_default();
        self.request(&subject, &body);
        let r = aw!(self.inner.update_bucket(cfg));
        let now = self.inner.now();
        self.json_reply(
            &subject,
            "stream_update_response",
            r.as_ref().map(|st| stream_info("stream_update_response", st, now)),
        );
        self.status_after(&name, &r);
        r
    }
    }
    kv_fn! {
    fn delete_bucket(&mut self, bucket: &str) -> Result<(), KvError> {
        if !self.on {
            return aw!(self.inner.delete_bucket(bucket));
        }
        let subject = format!("$JS.API.STREAM.DELETE.KV_{bucket}");
        self.request(&subject, "");
        let r = aw!(self.inner.delete_bucket(bucket));
        let ok = obj(&[("type", text("io.nats.jetstream.api.v1.stream_delete_response")), ("success", "true".into())]);
        self.json_reply(&subject, "stream_delete_response", r.as_ref().map(|_| ok));
        r
    }
    }
    kv_fn! {
    fn status(&mut self, bucket: &str) -> Result<Status, KvError> {
        if !self.on {
            return aw!(self.inner.status(bucket));
        }
        if self.listed.get() {
            return aw!(self.inner.status(bucket));
        }
        let subject = format!("$JS.API.STREAM.INFO.KV_{bucket}");
        self.request(&subject, "");
        let r = aw!(self.inner.status(bucket));
        // A missing bucket is the server's 10059; the Go client reports it as "bucket not found".
        let v = match &r {
            Ok(st) => Ok(stream_info("stream_info_response", st, self.inner.now())),
            Err(e) if e.api.is_none() && e.message.ends_with("bucket not found") => {
                Ok(error_reply("stream_info_response", &KvError::api(ApiError::stream_not_found())))
            }
            Err(e) => Err(e),
        };
        self.json_reply(&subject, "stream_info_response", v);
        r
    }
    }
    kv_fn! {
    fn bucket_names(&mut self) -> Result<Vec<String>, KvError> {
        if !self.on {
            return aw!(self.inner.bucket_names());
        }
        let r = aw!(self.inner.bucket_names());
        let now = self.inner.now();
        let reply = match &r {
            Ok(names) => {
                let mut infos: Vec<String> = Vec::new();
                for n in names.iter() {
                    if let Ok(st) = aw!(self.inner.status(n)) {
                        // A list entry is the stream's info without the response envelope.
                        let full = stream_info("stream_info_response", &st, now);
                        let prefix = format!("{{\"type\":{},", text("io.nats.jetstream.api.v1.stream_info_response"));
                        infos.push(format!("{{{}", full.strip_prefix(&prefix).unwrap_or(&full)));
                    }
                }
                Ok(obj(&[
                    ("type", text("io.nats.jetstream.api.v1.stream_list_response")),
                    ("total", names.len().to_string()),
                    ("offset", "0".into()),
                    ("limit", "256".into()),
                    ("streams", format!("[{}]", infos.join(","))),
                ]))
            }
            Err(e) => Err(e.message.strip_prefix("nats: error: ").unwrap_or(&e.message).to_string()),
        };
        self.jsm_request("$JS.API.STREAM.LIST", "{\"offset\":0}", reply);
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
        if !self.on {
            return aw!(self.inner.get(bucket, key));
        }
        let r = aw!(self.inner.get(bucket, key));
        self.direct_get(bucket, key, "", &r);
        r
    }
    }
    kv_fn! {
    fn get_revision(&mut self, bucket: &str, key: &str, revision: u64) -> Result<Entry, KvError> {
        if !self.on {
            return aw!(self.inner.get_revision(bucket, key, revision));
        }
        let r = aw!(self.inner.get_revision(bucket, key, revision));
        self.direct_get(bucket, key, &obj(&[("seq", revision.to_string())]), &r);
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
