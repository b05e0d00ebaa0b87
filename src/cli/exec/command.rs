// Running a parsed command over the seam, compiled twice by `cli/exec.rs`: `exec::local` over the embedded server in process
// (plain), `exec::wire` over a connection (`async`); `kv_fn!` adds `async` and `aw!` adds `.await`. `one!` makes
// the backend a trait object in `local`, so the command language is compiled once there for the engine and the
// tracer around it (the first load carries one copy, not two); `async` traits have no objects, so `wire` keeps
// a copy per backend.

kv_fn! {
/// Runs a command. `confirmed` carries the answer to a question the command asked before. With `--trace` its
/// API traffic comes first, as stderr.
pub fn execute<B: KvBackend>(b: &mut B, p: &Parsed, display: Display, confirmed: Option<bool>) -> Outcome {
    let (outcome, trace) = aw!(execute_traced(b, p, display, confirmed));
    match outcome {
        Outcome::Done { mut chunks, ok, error } if !trace.is_empty() => {
            chunks.insert(0, Chunk::Err(trace));
            Outcome::Done { chunks, ok, error }
        }
        other => other,
    }
}
}

kv_fn! {
/// Runs a command and returns, apart, what `--trace` printed (empty without it).
pub fn execute_traced<B: KvBackend>(
    b: &mut B,
    p: &Parsed,
    display: Display,
    confirmed: Option<bool>,
) -> (Outcome, String) {
    // Always through the tracer, which only passes calls on without `--trace`: one copy of `run` per backend.
    let mut t = Tracer::new(b, display.tz_offset_secs, p.trace());
    let outcome = aw!(run(one!(&mut t), p, display, confirmed));
    // Time moved by the command is the inner backend's; nothing else to carry back.
    let log = t.take();
    (outcome, log)
}
}

kv_fn! {
fn run<B: KvBackend + ?Sized>(b: &mut B, p: &Parsed, display: Display, confirmed: Option<bool>) -> Outcome {
    let tz = display.tz_offset_secs;
    if let Some(servers) = p.global("server") {
        if let Err(e) = check_server(&b.connection_info().url, servers) {
            return fail(e);
        }
    }
    if !p.spec.available {
        // The same words on the embedded engine and on a server, where the playground does not run it either.
        return fail(format!(
            "nats {} needs the nats CLI and a real NATS server; the playground runs only `nats account info` and the `nats kv` commands",
            p.spec.full_name()
        ));
    }
    let arg = |n: &str| p.arg(n).unwrap_or("").to_string();
    let bucket = arg("bucket");
    let key = arg("key");
    match (p.spec.group, p.spec.name) {
        ("account", "info") => aw!(account_info(b)),
        ("kv", "add") => match bucket_config(p, None) {
            Ok(cfg) => match aw!(b.create_bucket(&cfg)) {
                Ok(st) => out(status_report(&st, tz)),
                Err(e) => fail(e),
            },
            Err(e) => fail(e),
        },
        ("kv", "edit") => {
            let st = match aw!(b.status(&bucket)) {
                Ok(st) => st,
                Err(e) => return fail(e),
            };
            match bucket_config(p, Some(&st)) {
                Ok(cfg) => match aw!(b.update_bucket(&cfg)) {
                    Ok(st) => out(status_report(&st, tz)),
                    Err(e) => fail(e),
                },
                Err(e) => fail(e),
            }
        }
        ("kv", "put") | ("kv", "create") | ("kv", "update") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            let value = arg("value");
            let r = match p.spec.name {
                "put" => aw!(b.put(&bucket, &key, value.as_bytes())),
                "create" => {
                    let ttl = p.flag("ttl").and_then(parse_cli_duration).unwrap_or(0);
                    aw!(b.create(&bucket, &key, value.as_bytes(), ttl))
                }
                _ => aw!(b.update(&bucket, &key, value.as_bytes(), p.uint("revision"))),
            };
            match r {
                Ok(_) => out(format!("{value}\n")),
                Err(e) => fail(e),
            }
        }
        ("kv", "get") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            let rev = p.uint("revision");
            let r = if rev > 0 { aw!(b.get_revision(&bucket, &key, rev)) } else { aw!(b.get(&bucket, &key)) };
            match r {
                Ok(e) if p.bool("raw") => out(String::from_utf8_lossy(&e.value).into_owned()),
                Ok(e) => out(render_get(&e, tz)),
                Err(e) => fail(e),
            }
        }
        ("kv", "del") if key.is_empty() => {
            if !p.bool("force") {
                match confirmed {
                    None => return confirm(String::new(), format!("Delete bucket {bucket}?")),
                    Some(false) => return out("Skipping delete\n".into()),
                    Some(true) => {}
                }
            }
            match aw!(b.delete_bucket(&bucket)) {
                Ok(()) => ok_empty(),
                Err(e) => fail(e),
            }
        }
        ("kv", "del") | ("kv", "purge") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            let purge = p.spec.name == "purge";
            if !p.bool("force") {
                let (q, skip) = if purge {
                    (format!("Purge key {bucket} > {key}?"), "Skipping purge\n")
                } else {
                    (format!("Delete key {bucket} > {key}?"), "Skipping delete\n")
                };
                match confirmed {
                    None => return confirm(String::new(), q),
                    Some(false) => return out(skip.into()),
                    Some(true) => {}
                }
            }
            let r = if purge {
                let ttl = p.flag("ttl").and_then(parse_cli_duration).unwrap_or(0);
                aw!(b.purge(&bucket, &key, ttl))
            } else {
                aw!(b.delete(&bucket, &key))
            };
            match r {
                Ok(_) => ok_empty(),
                Err(e) => fail(e),
            }
        }
        ("kv", "history") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            match aw!(b.history(&bucket, &key)) {
                Ok(h) => out(history_table(&bucket, &key, &h, tz)),
                Err(e) => fail(e),
            }
        }
        ("kv", "revert") => aw!(revert(b, p, &bucket, &key, tz, confirmed)),
        ("kv", "info") => {
            let bucket = if bucket.is_empty() {
                match aw!(b.bucket_names()) {
                    Ok(names) if names.is_empty() => return fail("no KV buckets found"),
                    Ok(names) => {
                        return fail(format!(
                            "cannot select a bucket without an interactive prompt, name one of: {}",
                            names.join(", ")
                        ))
                    }
                    Err(e) => return fail(e),
                }
            } else {
                bucket
            };
            match aw!(b.status(&bucket)) {
                Ok(st) => out(status_report(&st, tz)),
                Err(e) => fail(e),
            }
        }
        ("kv", "watch") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            let opts = WatchOptions {
                include_history: p.bool("history"),
                ignore_deletes: !p.bool("deletes"),
                updates_only: p.bool("updates"),
                resume_from_revision: p.uint("revision"),
            };
            match aw!(b.watch(&bucket, &[key], opts)) {
                Ok(id) => Outcome::Watching { id, bucket },
                Err(e) => fail(e),
            }
        }
        ("kv", "ls") if !bucket.is_empty() => aw!(list_keys(b, p, &bucket, &key, tz)),
        ("kv", "ls") => aw!(list_buckets(b, p, tz)),
        ("kv", "compact") => {
            if let Err(e) = aw!(b.status(&bucket)) {
                return fail(e);
            }
            if !p.bool("force") {
                let q = format!("Purge all historic values and audit trails for deleted keys in bucket {bucket}?");
                match confirmed {
                    None => return confirm(String::new(), q),
                    Some(false) => return out("Skipping delete\n".into()),
                    Some(true) => {}
                }
            }
            match aw!(b.purge_deletes(&bucket)) {
                Ok(()) => ok_empty(),
                Err(e) => fail(e),
            }
        }
        _ => fail(format!("{} is not available in the playground", p.spec.full_name())),
    }
}
}

kv_fn! {
fn revert<B: KvBackend + ?Sized>(b: &mut B, p: &Parsed, bucket: &str, key: &str, tz: i64, confirmed: Option<bool>) -> Outcome {
    if let Err(e) = aw!(b.status(bucket)) {
        return fail(e);
    }
    let history = match aw!(b.history(bucket, key)) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    if history.len() <= 1 {
        return fail("cannot revert key in a bucket where history=1");
    }
    let rev = p.uint("revision");
    let target = match aw!(b.get_revision(bucket, key, rev)) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let mut chunks = Vec::new();
    if !p.bool("force") {
        match confirmed {
            None => {
                return confirm(
                    format!("Revision: {}\n\n{}\n\n", target.revision, short_value(&target.value)),
                    format!("Really revert to revision {rev}"),
                )
            }
            Some(false) => return ok_empty(),
            Some(true) => {}
        }
    }
    let latest = history.last().map(|e| e.revision).unwrap_or(0);
    if let Err(e) = aw!(b.update(bucket, key, &target.value, latest)) {
        return fail(e);
    }
    match aw!(b.history(bucket, key)) {
        Ok(h) => chunks.push(Chunk::Out(history_table(bucket, key, &h, tz))),
        Err(e) => return fail(e),
    }
    Outcome::Done { chunks, ok: true, error: None }
}
}

kv_fn! {
fn list_keys<B: KvBackend + ?Sized>(b: &mut B, p: &Parsed, bucket: &str, filter: &str, tz: i64) -> Outcome {
    if let Err(e) = aw!(b.status(bucket)) {
        return fail(format!("unable to load bucket: {e}"));
    }
    let filters: Vec<String> = if filter.is_empty() { Vec::new() } else { vec![filter.to_string()] };
    let keys = match aw!(b.keys(bucket, &filters)) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    if !p.bool("verbose") {
        if keys.is_empty() {
            return out("No keys found in bucket\n".into());
        }
        return out(keys.iter().map(|k| format!("{k}\n")).collect());
    }
    let show_value = p.bool("display-value");
    let mut headers = vec!["Key", "Created", "Delta", "Revision"];
    if show_value {
        headers.push("Value");
    }
    let mut t = Table::new(format!("Contents for bucket '{bucket}'"), &headers);
    for k in &keys {
        let e = match aw!(b.get(bucket, k)) {
            Ok(e) => e,
            Err(e) => return fail(format!("unable to display key info: unable to fetch key {k}: {e}")),
        };
        let mut row = vec![
            Cell::Text(e.key.clone()),
            Cell::Text(timestamp(e.created, tz)),
            // natscli adds the entry's `Delta()` and `Revision()` as Go numbers: printed without separators.
            Cell::Number(e.delta.to_string()),
            Cell::Number(e.revision.to_string()),
        ];
        if show_value {
            row.push(Cell::Text(String::from_utf8_lossy(&e.value).into_owned()));
        }
        t.row(row);
    }
    // natscli renders the table, then says no key was found when the lister gave none (`lsBucketKeys`).
    let mut text = t.render();
    if keys.is_empty() {
        text.push_str("No keys found in bucket\n");
    }
    out(text)
}
}

kv_fn! {
fn list_buckets<B: KvBackend + ?Sized>(b: &mut B, p: &Parsed, tz: i64) -> Outcome {
    let names = match aw!(b.bucket_names()) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    if p.bool("names") {
        return out(names.iter().map(|n| format!("{n}\n")).collect());
    }
    if names.is_empty() {
        return out("No Key-Value buckets found\n".into());
    }
    let mut statuses: Vec<Status> = Vec::new();
    for n in &names {
        if let Ok(st) = aw!(b.status(n)) {
            statuses.push(st);
        }
    }
    // By size, ties in name order (a stable sort): through a set of (size, position) the engine's expiry index
    // already has the code for, rather than a sorting routine of its own in the page.
    let mut order = std::collections::BTreeSet::new();
    for (i, s) in statuses.iter().enumerate() {
        order.insert((s.bytes.min(i64::MAX as u64) as i64, i as u64));
    }
    let mut slots: Vec<Option<Status>> = statuses.into_iter().map(Some).collect();
    let statuses: Vec<Status> = order.into_iter().filter_map(|(_, i)| slots[i as usize].take()).collect();
    let now = b.now();
    let mut t = Table::new("Key-Value Buckets", &["Bucket", "Description", "Created", "Size", "Values", "Last Update"]);
    for s in statuses {
        let since = s.last_update.map(|t| now.saturating_sub(t)).unwrap_or(i64::MAX);
        t.row(vec![
            Cell::Text(s.bucket.clone()),
            Cell::Text(s.config.description.clone()),
            Cell::Text(timestamp(s.created, tz)),
            Cell::Text(ibytes(s.bytes)),
            Cell::Text(comma(s.values as i64)),
            Cell::Text(humanize_duration(since)),
        ]);
    }
    out(t.render())
}
}

kv_fn! {
fn account_info<B: KvBackend + ?Sized>(b: &mut B) -> Outcome {
    let c = b.connection_info();
    let mut cols = Columns::new("Account Information");
    cols.row("User", &c.user);
    cols.row("Account", format!("{} ({})", c.account, c.account));
    cols.row("System Account", false);
    cols.row("Expires", "never");
    cols.row("Client ID", c.client_id);
    cols.row("Client IP", &c.client_ip);
    cols.row("RTT", humanize_duration(c.rtt));
    cols.row("Headers Supported", c.headers_supported);
    cols.row("Maximum Payload", ibytes(c.max_payload));
    cols.row("Connected URL", &c.url);
    cols.row("Connected Address", &c.address);
    cols.row("Connected Server ID", &c.server_id);
    cols.row("Connected Server Version", &c.server_version);
    cols.row_if("Connected Server Name", &c.server_name, c.server_name != c.server_id);
    cols.row("TLS Connection", "no");
    match aw!(b.account_info()) {
        Ok(info) => {
            cols.title("JetStream Account Information");
            cols.title("Account Usage");
            cols.row("Storage", ibytes(info.storage));
            cols.row("Memory", ibytes(info.memory));
            cols.row("Streams", comma(info.streams as i64));
            cols.row("Consumers", comma(info.consumers as i64));
            cols.title("Account Limits");
            cols.row("Max Message Payload", ibytes(c.max_payload));
            cols.indent(2);
            cols.title("Tier: Default");
            cols.indent(6);
            cols.title("Configuration Requirements");
            cols.row("Stream Requires Max Bytes Set", false);
            cols.row("Consumer Maximum Ack Pending", "Unlimited");
            cols.title("Stream Resource Usage Limits");
            // natscli `renderTier`: "(N reserved)" after the limit when streams reserve bytes.
            let reserved = |n: u64| if n > 0 { format!("({} reserved)", ibytes(n)) } else { String::new() };
            cols.row("Memory", format!("{} of Unlimited {}", ibytes(info.memory), reserved(info.reserved_memory)));
            cols.row("Memory Per Stream", "Unlimited");
            cols.row("Storage", format!("{} of Unlimited {}", ibytes(info.storage), reserved(info.reserved_storage)));
            cols.row("Storage Per Stream", "Unlimited");
            cols.row("Streams", format!("{} of Unlimited", comma(info.streams as i64)));
            cols.row("Consumers", "Unlimited");
            cols.indent(0);
        }
        // natscli `infoAction`: no responders or JetStream disabled, a timeout, or any other error.
        Err(e)
            if matches!(
                e.kind,
                crate::engine::ErrorKind::JetStreamNotEnabled | crate::engine::ErrorKind::NoResponders
            ) =>
        {
            cols.line("");
            cols.line("   JetStream is not supported in this account");
        }
        Err(e) if e.kind == crate::engine::ErrorKind::Timeout => {
            cols.line("");
            cols.line("   No response from JetStream server");
        }
        Err(e) => {
            cols.line("");
            let m = e.message.strip_prefix("nats: error: ").unwrap_or(&e.message).to_string();
            cols.line(format!("   Could not obtain account information:  {m}"));
        }
    }
    out(cols.render())
}
}
