//! Tests of the KV rules, one or more per rule the server enforces. Figures marked "measured" were read off
//! nats-server 2.15 on loopback.

use super::*;
use crate::backend::KvBackend;
use crate::engine::time::NANOS_PER_SEC as S;
use crate::server::Standalone;

fn engine_with(cfg: Config) -> Standalone {
    let mut e = Standalone::embedded(1_000 * S);
    e.create_bucket(&cfg).unwrap();
    e
}

fn bucket(history: i64) -> Standalone {
    let mut c = Config::new("b");
    c.history = history;
    engine_with(c)
}

fn drain(e: &mut Standalone, id: WatchId) -> Vec<String> {
    e.poll_watch(id)
        .into_iter()
        .map(|ev| match ev {
            WatchEvent::Entry(en) => {
                format!("{} {} {}", en.revision, en.operation.cli_name(), en.key)
            }
            WatchEvent::InitialValuesDone => "init-done".to_string(),
            WatchEvent::Closed => "closed".to_string(),
        })
        .collect()
}

#[test]
fn revisions_are_one_counter_per_bucket_shared_by_all_keys() {
    let mut e = bucket(5);
    assert_eq!(e.put("b", "a", b"1").unwrap(), 1);
    assert_eq!(e.put("b", "b", b"1").unwrap(), 2);
    assert_eq!(e.create("b", "c", b"1", 0).unwrap(), 3);
    assert_eq!(e.update("b", "c", b"2", 3).unwrap(), 4);
    assert_eq!(e.delete("b", "a").unwrap(), 5);
    assert_eq!(e.purge("b", "b", 0).unwrap(), 6);
    let mut other = Config::new("other");
    other.history = 2;
    e.create_bucket(&other).unwrap();
    assert_eq!(e.put("other", "a", b"x").unwrap(), 1, "each bucket has its own counter");
}

#[test]
fn rejected_writes_take_no_revision() {
    let mut e = bucket(1);
    e.put("b", "k", b"1").unwrap();
    let err = e.create("b", "k", b"2", 0).unwrap_err();
    assert_eq!(err.kind, ErrorKind::KeyExists);
    let err = e.update("b", "k", b"2", 7).unwrap_err();
    assert_eq!(err.kind, ErrorKind::WrongLastSequence);
    assert_eq!(e.put("b", "k", b"3").unwrap(), 2);
}

#[test]
fn delete_stores_a_marker_even_for_a_key_that_never_existed() {
    let mut e = bucket(1);
    assert_eq!(e.delete("b", "ghost").unwrap(), 1);
    let h = e.history("b", "ghost").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].operation, Operation::Delete);
    assert_eq!(e.get("b", "ghost").unwrap_err().kind, ErrorKind::KeyNotFound);
    assert_eq!(e.status("b").unwrap().values, 1);
}

#[test]
fn purge_removes_every_earlier_revision_of_the_key_only() {
    let mut e = bucket(10);
    for v in [b"1", b"2", b"3"] {
        e.put("b", "k", v).unwrap();
    }
    e.put("b", "other", b"x").unwrap();
    e.purge("b", "k", 0).unwrap();
    let h = e.history("b", "k").unwrap();
    assert_eq!(h.iter().map(|x| (x.revision, x.operation)).collect::<Vec<_>>(), vec![(5, Operation::Purge)]);
    assert_eq!(e.get("b", "k").unwrap_err().kind, ErrorKind::KeyNotFound);
    assert_eq!(e.get("b", "other").unwrap().revision, 4);
    assert_eq!(e.removal_reason("b", 1), Some(RemovalReason::Rollup));
}

#[test]
fn history_keeps_the_last_n_messages_per_key_markers_included() {
    let mut e = bucket(3);
    for i in 0..5 {
        e.put("b", "k", format!("v{i}").as_bytes()).unwrap();
    }
    e.delete("b", "k").unwrap();
    let revs: Vec<u64> = e.history("b", "k").unwrap().iter().map(|x| x.revision).collect();
    assert_eq!(revs, vec![4, 5, 6]);
    assert_eq!(e.removal_reason("b", 1), Some(RemovalReason::HistoryLimit));
    let mut too_big = Config::new("big");
    too_big.history = 65;
    assert_eq!(e.create_bucket(&too_big).unwrap_err().kind, ErrorKind::HistoryTooLarge);
}

#[test]
fn create_succeeds_only_when_the_key_has_no_value() {
    let mut e = bucket(5);
    assert_eq!(e.create("b", "lock", b"a", 0).unwrap(), 1);
    let err = e.create("b", "lock", b"b", 0).unwrap_err();
    assert_eq!(err.kind, ErrorKind::KeyExists);
    assert_eq!(
        err.message,
        "nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 1: key exists"
    );
    assert_eq!(err.api.as_ref().map(|a| a.err_code), Some(10071));
    e.delete("b", "lock").unwrap();
    assert_eq!(e.create("b", "lock", b"c", 0).unwrap(), 3, "create after delete");
    e.purge("b", "lock", 0).unwrap();
    assert_eq!(e.create("b", "lock", b"d", 0).unwrap(), 5, "create after purge");
}

#[test]
fn update_needs_the_latest_revision_and_reports_it() {
    let mut e = bucket(5);
    e.put("b", "k", b"1").unwrap();
    e.put("b", "x", b"1").unwrap();
    assert_eq!(e.update("b", "k", b"2", 1).unwrap(), 3);
    let err = e.update("b", "k", b"3", 1).unwrap_err();
    assert_eq!(err.message, "nats: nats: API error: code=400 err_code=10071 description=wrong last sequence: 3");
    let err = e.update("b", "never", b"3", 9).unwrap_err();
    assert_eq!(err.api.unwrap().description, "wrong last sequence: 0");
    assert_eq!(e.update("b", "never", b"3", 0).unwrap(), 4, "revision 0 means the key must not exist");
}

#[test]
fn keys_and_bucket_names_are_validated_as_the_clients_do() {
    let mut e = bucket(1);
    for bad in ["", ".a", "a.", "a b", "a*", "a>", "ä"] {
        assert_eq!(e.put("b", bad, b"x").unwrap_err().kind, ErrorKind::InvalidKey, "{bad:?}");
    }
    for good in ["a", "a.b", "A-Z_0=9/x", "-"] {
        assert!(e.put("b", good, b"x").is_ok(), "{good:?}");
    }
    // The clients let an empty token through; the server routes nothing to such a subject (measured).
    assert_eq!(e.put("b", "a..b", b"x").unwrap_err().kind, ErrorKind::NoResponders);
    for bad in ["", "a.b", "a b", "a*"] {
        assert_eq!(e.create_bucket(&Config::new(bad)).unwrap_err().kind, ErrorKind::InvalidBucketName);
        assert_eq!(e.get(bad, "k").unwrap_err().message, "nats: invalid bucket name");
    }
    assert_eq!(e.get("missing", "k").unwrap_err().message, "nats: bucket not found");
}

#[test]
fn max_value_size_counts_headers_as_the_server_does() {
    let mut c = Config::new("b");
    c.max_value_size = 10;
    let mut e = engine_with(c);
    assert!(e.put("b", "k", b"0123456789").is_ok());
    let err = e.put("b", "k", b"01234567890").unwrap_err();
    assert_eq!(err.kind, ErrorKind::MaxValueSize);
    assert_eq!(err.api.unwrap().err_code, 10054);
    // A delete marker's header block alone is 31 bytes: over the limit, as measured.
    assert_eq!(e.delete("b", "k").unwrap_err().kind, ErrorKind::MaxValueSize);
}

#[test]
fn max_bucket_size_rejects_with_maximum_bytes_exceeded() {
    let mut c = Config::new("t3");
    c.max_bytes = 200;
    let mut e = engine_with(c);
    for i in 0..4 {
        e.put("t3", &format!("k{i}"), b"0123456789").unwrap();
    }
    let err = e.put("t3", "k4", b"0123456789").unwrap_err();
    assert_eq!(err.message, "nats: nats: API error: code=503 err_code=10077 description=maximum bytes exceeded");
    assert_eq!(e.status("t3").unwrap().bytes, 196);
}

#[test]
fn bucket_ttl_expires_values() {
    let mut c = Config::new("b");
    c.max_age = 10 * S;
    let mut e = engine_with(c);
    e.put("b", "k", b"v").unwrap();
    e.set_now(e.now() + 9 * S);
    assert!(e.get("b", "k").is_ok());
    e.set_now(e.now() + S);
    assert_eq!(e.get("b", "k").unwrap_err().kind, ErrorKind::KeyNotFound);
    assert_eq!(e.status("b").unwrap().values, 0);
    assert_eq!(e.removal_reason("b", 1), Some(RemovalReason::MaxAge));
}

#[test]
fn per_key_ttl_needs_limit_markers() {
    let mut e = bucket(1);
    let err = e.create("b", "k", b"v", 5 * S).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TtlNotEnabled);
    assert_eq!(err.api.unwrap().description, "per-message TTL is disabled");
}

#[test]
fn expired_key_leaves_a_maxage_purge_marker_that_expires_in_turn() {
    // Measured: a key created with TTL 1s in a bucket with marker TTL 2s and history 5 gets its TTL raised
    // to 2s, expires after 2s, and leaves a marker (Nats-Marker-Reason: MaxAge) that itself lives 2s.
    let mut c = Config::new("m1");
    c.history = 5;
    c.limit_marker_ttl = 2 * S;
    let mut e = engine_with(c);
    let t0 = e.now();
    e.create("m1", "a", b"v1", S).unwrap();
    e.set_now(t0 + S);
    assert!(e.get("m1", "a").is_ok(), "TTL was raised to the marker TTL");
    e.set_now(t0 + 2 * S);
    let h = e.history("m1", "a").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!((h[0].revision, h[0].operation), (2, Operation::Purge));
    assert_eq!(h[0].marker_reason.as_deref(), Some("MaxAge"));
    assert_eq!(h[0].created, t0 + 2 * S);
    e.set_now(t0 + 4 * S);
    assert_eq!(e.history("m1", "a").unwrap_err().kind, ErrorKind::KeyNotFound);
    assert_eq!(e.status("m1").unwrap().values, 0);
}

#[test]
fn purge_marker_with_ttl_leaves_no_new_marker() {
    let mut c = Config::new("m1");
    c.history = 5;
    c.limit_marker_ttl = 2 * S;
    let mut e = engine_with(c);
    let t0 = e.now();
    e.put("m1", "c", b"x").unwrap();
    e.purge("m1", "c", S).unwrap();
    e.set_now(t0 + 10 * S);
    assert_eq!(e.status("m1").unwrap().values, 0);
    assert_eq!(e.status("m1").unwrap().last_revision, 2);
}

#[test]
fn bucket_ttl_with_markers_leaves_a_marker_when_the_last_value_ages_out() {
    let mut c = Config::new("m");
    c.max_age = 3 * S;
    c.limit_marker_ttl = 2 * S;
    let mut e = engine_with(c);
    let t0 = e.now();
    e.put("m", "b", b"v").unwrap();
    let w = e.watch("m", &[], WatchOptions::default()).unwrap();
    assert_eq!(drain(&mut e, w), vec!["1 PUT b", "init-done"]);
    e.set_now(t0 + 3 * S);
    assert_eq!(drain(&mut e, w), vec!["2 PURGE b"]);
    e.set_now(t0 + 5 * S);
    assert_eq!(e.status("m").unwrap().values, 0);
}

#[test]
fn keys_are_listed_by_latest_revision_without_deleted_keys() {
    let mut e = bucket(3);
    e.put("b", "z", b"1").unwrap();
    e.put("b", "a", b"1").unwrap();
    e.put("b", "m", b"1").unwrap();
    e.put("b", "z", b"2").unwrap();
    e.delete("b", "m").unwrap();
    assert_eq!(e.keys("b", &[]).unwrap(), vec!["a", "z"]);
    assert_eq!(e.keys("b", &["z".to_string()]).unwrap(), vec!["z"]);
}

#[test]
fn watch_delivers_initial_values_in_revision_order_then_a_signal_then_updates() {
    let mut e = bucket(5);
    let empty = e.watch("b", &[], WatchOptions::default()).unwrap();
    assert_eq!(drain(&mut e, empty), vec!["init-done"], "the signal comes even for an empty bucket");
    e.put("b", "x", b"1").unwrap();
    e.put("b", "y", b"1").unwrap();
    e.put("b", "x", b"2").unwrap();
    assert_eq!(drain(&mut e, empty), vec!["1 PUT x", "2 PUT y", "3 PUT x"]);
    let w = e.watch("b", &[], WatchOptions::default()).unwrap();
    assert_eq!(drain(&mut e, w), vec!["2 PUT y", "3 PUT x", "init-done"]);
    e.delete("b", "y").unwrap();
    assert_eq!(drain(&mut e, w), vec!["4 DELETE y"]);
}

#[test]
fn watch_options_history_ignore_deletes_updates_only_and_from_revision() {
    let mut e = bucket(5);
    e.put("b", "a.1", b"1").unwrap();
    e.put("b", "a.1", b"2").unwrap();
    e.put("b", "b.1", b"1").unwrap();
    e.delete("b", "a.1").unwrap();
    let hist = e.watch("b", &[], WatchOptions { include_history: true, ..Default::default() }).unwrap();
    assert_eq!(drain(&mut e, hist), vec!["1 PUT a.1", "2 PUT a.1", "3 PUT b.1", "4 DELETE a.1", "init-done"]);
    let nodel = e.watch("b", &[], WatchOptions { ignore_deletes: true, ..Default::default() }).unwrap();
    assert_eq!(drain(&mut e, nodel), vec!["3 PUT b.1", "init-done"]);
    let upd = e.watch("b", &[], WatchOptions { updates_only: true, ..Default::default() }).unwrap();
    assert_eq!(drain(&mut e, upd), Vec::<String>::new(), "updates-only has no initial values and no signal");
    let from = e.watch("b", &[], WatchOptions { resume_from_revision: 3, ..Default::default() }).unwrap();
    assert_eq!(drain(&mut e, from), vec!["3 PUT b.1", "4 DELETE a.1", "init-done"]);
    let star = e.watch("b", &["a.*".to_string()], WatchOptions::default()).unwrap();
    assert_eq!(drain(&mut e, star), vec!["4 DELETE a.1", "init-done"]);
    let gt = e.watch("b", &["b.>".to_string()], WatchOptions::default()).unwrap();
    assert_eq!(drain(&mut e, gt), vec!["3 PUT b.1", "init-done"]);
    e.put("b", "b.2.deep", b"1").unwrap();
    e.delete("b", "b.1").unwrap();
    assert_eq!(drain(&mut e, gt), vec!["5 PUT b.2.deep", "6 DELETE b.1"]);
    assert_eq!(drain(&mut e, star), Vec::<String>::new());
    assert_eq!(drain(&mut e, nodel), vec!["5 PUT b.2.deep"]);
    assert_eq!(drain(&mut e, upd), vec!["5 PUT b.2.deep", "6 DELETE b.1"]);
    assert_eq!(e.watch("b", &["a b".to_string()], WatchOptions::default()).unwrap_err().kind, ErrorKind::InvalidKey);
}

#[test]
fn bucket_create_is_idempotent_for_the_same_config_only() {
    let mut e = bucket(1);
    e.put("b", "k", b"v").unwrap();
    let again = e.create_bucket(&Config::new("b")).unwrap();
    assert_eq!(again.values, 1, "same config: the existing bucket, untouched");
    let mut diff = Config::new("b");
    diff.history = 5;
    let err = e.create_bucket(&diff).unwrap_err();
    assert_eq!(err.api.unwrap().err_code, 10058);
    assert_eq!(
        err.message,
        "nats: bucket name already in use: b\nnats: API error: code=400 err_code=10058 description=stream name already in use"
    );
}

#[test]
fn edit_changes_limits_and_trims_history() {
    let mut e = bucket(5);
    for i in 0..4 {
        e.put("b", "a", format!("v{i}").as_bytes()).unwrap();
    }
    let mut c = Config::new("b");
    c.history = 2;
    let st = e.update_bucket(&c).unwrap();
    assert_eq!(st.history(), 2);
    assert_eq!(e.history("b", "a").unwrap().iter().map(|x| x.revision).collect::<Vec<_>>(), vec![3, 4]);
    c.storage = StorageType::Memory;
    assert_eq!(
        e.update_bucket(&c).unwrap_err().api.unwrap().description,
        "stream configuration update can not change storage type"
    );
    assert_eq!(e.update_bucket(&Config::new("nope")).unwrap_err().kind, ErrorKind::BucketNotFound);
}

#[test]
fn delete_bucket_removes_it_and_closes_watchers() {
    let mut e = bucket(1);
    let w = e.watch("b", &[], WatchOptions::default()).unwrap();
    e.delete_bucket("b").unwrap();
    assert_eq!(drain(&mut e, w), vec!["init-done", "closed"]);
    assert_eq!(e.status("b").unwrap_err().kind, ErrorKind::BucketNotFound);
    let err = e.delete_bucket("b").unwrap_err();
    assert_eq!(
        err.message,
        "nats: bucket not found: b\nnats: API error: code=404 err_code=10059 description=stream not found"
    );
}

#[test]
fn compact_removes_old_markers_and_keeps_recent_ones() {
    let mut e = bucket(5);
    e.put("b", "old", b"1").unwrap();
    e.delete("b", "old").unwrap();
    e.set_now(e.now() + 31 * 60 * S);
    e.put("b", "new", b"1").unwrap();
    e.delete("b", "new").unwrap();
    e.put("b", "live", b"1").unwrap();
    e.purge_deletes("b").unwrap();
    assert_eq!(e.history("b", "old").unwrap_err().kind, ErrorKind::KeyNotFound);
    let h = e.history("b", "new").unwrap();
    assert_eq!(h.iter().map(|x| x.revision).collect::<Vec<_>>(), vec![4]);
    assert_eq!(e.get("b", "live").unwrap().revision, 5);
    assert_eq!(e.status("b").unwrap().last_revision, 5, "purges take no revision");
}

#[test]
fn get_revision_checks_the_key_and_the_operation() {
    let mut e = bucket(5);
    e.put("b", "k", b"1").unwrap();
    e.put("b", "j", b"1").unwrap();
    e.delete("b", "k").unwrap();
    assert_eq!(e.get_revision("b", "k", 1).unwrap().value, b"1");
    assert_eq!(e.get_revision("b", "k", 2).unwrap_err().kind, ErrorKind::KeyNotFound, "another key's revision");
    assert_eq!(e.get_revision("b", "k", 3).unwrap_err().kind, ErrorKind::KeyNotFound, "a marker");
    assert_eq!(e.get_revision("b", "k", 99).unwrap_err().kind, ErrorKind::KeyNotFound);
}

#[test]
fn replicas_and_marker_ttl_are_checked_like_a_single_server() {
    let mut e = Standalone::embedded(0);
    let mut c = Config::new("r");
    c.replicas = 3;
    assert_eq!(e.create_bucket(&c).unwrap_err().api.unwrap().err_code, 10074);
    let mut c = Config::new("m");
    c.limit_marker_ttl = S / 2;
    assert_eq!(e.create_bucket(&c).unwrap_err().api.unwrap().err_code, 10052);
}

#[test]
fn account_info_counts_storage_streams_and_watchers() {
    let mut e = bucket(1);
    let mut m = Config::new("mem");
    m.storage = StorageType::Memory;
    e.create_bucket(&m).unwrap();
    e.put("b", "k", b"0123456789").unwrap();
    e.put("mem", "k", b"0123456789").unwrap();
    let _w = e.watch("b", &[], WatchOptions::default()).unwrap();
    // The watch is a consumer on the server, which the account counts.
    let a = e.account_info().unwrap();
    assert_eq!((a.streams, a.consumers), (2, 1));
    assert_eq!(a.storage, (22 + "$KV.b.k".len() + 10 + 8) as u64);
    assert_eq!(a.memory, ("$KV.mem.k".len() + 10 + 16) as u64);
}

#[test]
fn values_over_the_max_payload_are_refused_by_the_client() {
    let mut e = bucket(1);
    let err = e.put("b", "k", &vec![b'x'; (1 << 20) + 1]).unwrap_err();
    assert_eq!(err.message, "nats: maximum payload exceeded");
    assert_eq!(e.status("b").unwrap().last_revision, 0);
    assert!(e.put("b", "k", &vec![b'x'; 1 << 20]).is_ok());
}

#[test]
fn a_deserialised_engine_still_finds_streams_by_subject_and_expires_on_time() {
    let mut c = Config::new("t");
    c.max_age = 10 * S;
    let mut e = engine_with(c);
    e.create_bucket(&Config::new("other")).unwrap();
    e.put("t", "k", b"v").unwrap();
    assert_eq!(e.stream_for_subject("$KV.t.k"), Some("KV_t"));
    assert_eq!(e.stream_for_subject("$KV.other.x"), Some("KV_other"));
    assert_eq!(e.stream_for_subject("$KV.none.x"), None);
    let text = serde_json::to_string(&e.engine).unwrap();
    let mut back = Standalone::from(serde_json::from_str::<Engine>(&text).unwrap());
    assert_eq!(back.stream_for_subject("$KV.t.k"), Some("KV_t"));
    back.set_now(1_000 * S + 9 * S);
    assert!(back.get("t", "k").is_ok());
    back.set_now(1_000 * S + 10 * S);
    assert!(back.get("t", "k").is_err(), "expired on time after a round trip");
    back.delete_bucket("other").unwrap();
    assert_eq!(back.stream_for_subject("$KV.other.x"), None);
    // The subject index came back too: a new revision of the key replaces the kept one (history 1).
    back.put("t", "k", b"w").unwrap();
    assert_eq!(back.status("t").unwrap().values, 1);
    assert_eq!(back.get("t", "k").unwrap().value, b"w".to_vec());
}

#[test]
fn server_wide_limits_refuse_creates_and_publishes_as_measured() {
    // Measured with max_memory_store 1MB: a 600 kB memory stream fits, a second does not (10028); an unlimited
    // one is made, takes writes while usage is under the limit (the one crossing it too), then 10023.
    let mut e = Standalone::embedded(1_000 * S);
    e.set_limits(JsLimits { max_memory: 1 << 20, max_storage: 2 << 20 });
    let mut big = Config::new("big");
    big.storage = StorageType::File;
    big.max_bytes = 3_000_000;
    let err = e.create_bucket(&big).unwrap_err().api.unwrap();
    assert_eq!(
        (err.code, err.err_code, err.description.as_str()),
        (500, 10047, "insufficient storage resources available")
    );
    let mut d = Config::new("d");
    d.storage = StorageType::Memory;
    d.max_bytes = 600_000;
    e.create_bucket(&d).unwrap();
    let mut again = d.clone();
    again.bucket = "e".into();
    let err = e.create_bucket(&again).unwrap_err().api.unwrap();
    assert_eq!(
        (err.code, err.err_code, err.description.as_str()),
        (500, 10028, "insufficient memory resources available")
    );
    let mut c = Config::new("c");
    c.storage = StorageType::Memory;
    e.create_bucket(&c).unwrap();
    let value = vec![b'z'; 100_000];
    let mut taken = 0;
    let err = loop {
        match e.put("c", &format!("k{taken}"), &value) {
            Ok(_) => taken += 1,
            Err(err) => break err,
        }
        assert!(taken < 100, "never refused");
    };
    assert_eq!(taken, 11, "ten fit under 1 MB and the eleventh crosses it");
    let api = err.api.unwrap();
    assert_eq!((api.code, api.err_code, api.description.as_str()), (503, 10023, "insufficient resources"));
    // The account's own limits stay none, as on nats-server.
    assert_eq!(e.engine.account_info().memory, e.bucket_stream("c").unwrap().state().bytes);
}

#[test]
fn the_usage_a_publish_checks_follows_every_change_to_the_streams() {
    // Over the limit, a put is refused; a purge frees the room and the next put is taken (the engine keeps
    // its usage as it goes instead of adding up every stream for each publish).
    let mut e = Standalone::embedded(1_000 * S);
    e.set_limits(JsLimits { max_memory: 250_000, max_storage: -1 });
    let mut c = Config::new("m");
    c.storage = StorageType::Memory;
    e.create_bucket(&c).unwrap();
    let value = vec![b'z'; 100_000];
    for k in ["a", "b", "c"] {
        e.put("m", k, &value).unwrap();
    }
    assert_eq!(e.put("m", "d", &value).unwrap_err().api.map(|a| a.err_code), Some(10023));
    e.purge_stream("KV_m", None, None, None);
    assert!(e.put("m", "d", &value).is_ok(), "the purge freed the room");
    e.put("m", "e", &value).unwrap();
    e.put("m", "f", &value).unwrap();
    assert!(e.put("m", "g", &value).is_err(), "and the puts since count again");
    e.delete_bucket("m").unwrap();
    e.create_bucket(&c).unwrap();
    assert!(e.put("m", "a", &value).is_ok(), "a deleted bucket's bytes are free");
}
