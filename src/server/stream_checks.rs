//! nats-server's checks of a stream configuration, on create and update: the same refusals in the same order,
//! with the same codes and texts (measured on nats-server 2.15.1 with `tests/conformance/api_probes.json`).
//!
//! The order is the server's: what its JSON decoder refuses (`check_enums`), then the create request's own
//! checks (`check_create_request`), then the configuration itself (`check_config`), then, for a new stream, the
//! server's storage (`check_resources`). The republish directive's subject transform lives in `transform.rs`.

use super::api::StreamConfigJson;
use super::jetstream::subjects_overlap;
use super::source_checks::{check_origins, check_stream_transform, ConsumerCheck, Lookup};
use super::wire::valid_filter;
use crate::engine::stream::{Retention, StorageType, StreamConfig};
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::transform::SubjectTransform;
use crate::engine::ApiError;

/// The longest stream name, description and metadata (keys and values together) the server takes.
const MAX_NAME_LEN: usize = 255;
const MAX_DESCRIPTION_LEN: usize = 4 * 1024;
const MAX_METADATA_LEN: usize = 128 * 1024;
/// The most replicas a stream can ask for (a cluster's limit; one server refuses more than one anyway).
const MAX_REPLICAS: i64 = 5;
/// The shortest max age and duplicate window, and the default window.
const MIN_WINDOW: i64 = NANOS_PER_SEC / 10;
const DEFAULT_DUPLICATE_WINDOW: i64 = 120 * NANOS_PER_SEC;

/// The storage the playground's server offers streams with a byte limit: it reserves each stream's `max_bytes`
/// and refuses a stream that would take more. nats-server sizes these from the machine's memory and disk; the
/// playground's are fixed so that every machine answers the same.
pub const MAX_MEMORY: i64 = 16 * 1024 * 1024 * 1024;
pub const MAX_STORE: i64 = 1024 * 1024 * 1024 * 1024;

/// What the server's JSON decoder refuses before any other check: an unknown retention, discard policy, storage
/// type or compression.
pub fn check_enums(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    let unmarshal = |v: &str| {
        let quoted = serde_json::to_string(v).unwrap_or_default();
        let text = serde_json::to_string(&quoted).unwrap_or_default();
        ApiError::new(400, 10025, format!("invalid JSON: can not unmarshal {text}"))
    };
    if !matches!(cfg.retention.as_str(), "limits" | "interest" | "workqueue") {
        return Err(unmarshal(&cfg.retention));
    }
    if !matches!(cfg.discard.as_str(), "old" | "new") {
        return Err(unmarshal(&cfg.discard));
    }
    if !matches!(cfg.storage.as_str(), "file" | "memory") {
        return Err(unmarshal(&cfg.storage));
    }
    if !matches!(cfg.persist_mode.as_str(), "" | "default" | "async") {
        return Err(unmarshal(&cfg.persist_mode));
    }
    if !matches!(cfg.compression.as_str(), "none" | "s2" | "") {
        return Err(ApiError::new(400, 10025, "invalid JSON: unknown compression algorithm"));
    }
    Ok(())
}

/// The checks a create request meets before its configuration is looked at.
pub fn check_create_request(cfg: &StreamConfigJson, subject_name: &str) -> Result<(), ApiError> {
    if cfg.name != subject_name {
        return Err(ApiError::new(400, 10056, "stream name in subject does not match request"));
    }
    if subject_name.contains(['\\', '/']) {
        return Err(ApiError::new(400, 10128, "Stream name can not contain path separators"));
    }
    if cfg.sealed {
        return Err(ApiError::invalid_config("stream configuration for create can not be sealed"));
    }
    if cfg.mirror_direct && cfg.mirror.is_none() {
        return Err(ApiError::invalid_config("stream has no mirror but does have mirror direct"));
    }
    Ok(())
}

/// The server's checks of a configuration (`checkStreamCfg`), in its order.
pub fn check_config(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    check_config_among(cfg, &|_| None, Some(super::source_checks::check_consumer))
}

/// The server's checks of a configuration among the other streams (`others` finds one by name).
pub fn check_config_among(
    cfg: &StreamConfigJson,
    others: Lookup,
    durable: Option<ConsumerCheck>,
) -> Result<(), ApiError> {
    check_name_and_sizes(cfg)?;
    check_replicas(cfg.num_replicas)?;
    check_windows(cfg)?;
    check_policies(cfg)?;
    check_origins(cfg, others, durable)?;
    check_subjects(cfg)?;
    check_stream_transform(cfg)?;
    check_republish(cfg)?;
    if cfg.placement.as_ref().is_some_and(|p| !p.preferred.is_empty()) {
        return Err(ApiError::invalid_config("preferred server not permitted in placement"));
    }
    Ok(())
}

/// Whether a name can name a stream: not empty, no white space, and none of `.`, `*`, `>`, `\` and `/`.
pub fn valid_stream_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([' ', '\t', '\r', '\n', '\x0c', '.', '*', '>', '\\', '/'])
}

fn check_name_and_sizes(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    if !valid_stream_name(&cfg.name) {
        return Err(ApiError::invalid_config("stream name is required and can not contain '.', '*', '>', '\\', '/'"));
    }
    if cfg.name.len() > MAX_NAME_LEN {
        return Err(ApiError::invalid_config(format!("stream name is too long, maximum allowed is {MAX_NAME_LEN}")));
    }
    if cfg.description.len() > MAX_DESCRIPTION_LEN {
        return Err(ApiError::invalid_config(format!(
            "stream description is too long, maximum allowed is {MAX_DESCRIPTION_LEN}"
        )));
    }
    let metadata: usize = cfg.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if metadata > MAX_METADATA_LEN {
        return Err(ApiError::invalid_config(format!(
            "stream metadata exceeds maximum size of {MAX_METADATA_LEN} bytes"
        )));
    }
    Ok(())
}

fn check_replicas(replicas: i64) -> Result<(), ApiError> {
    if replicas > MAX_REPLICAS {
        return Err(ApiError::invalid_config(format!("maximum replicas is {MAX_REPLICAS}")));
    }
    if replicas < 0 {
        return Err(ApiError::new(400, 10133, "replicas count cannot be negative"));
    }
    Ok(())
}

/// The duplicate window a configuration gets: its own, or two minutes, or the max age when that is shorter.
pub fn duplicate_window(max_age: i64, asked: i64) -> i64 {
    match asked {
        0 if max_age > 0 && max_age < DEFAULT_DUPLICATE_WINDOW => max_age,
        0 => DEFAULT_DUPLICATE_WINDOW,
        d => d,
    }
}

fn check_windows(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    let age = cfg.max_age;
    if age < 0 {
        return Err(ApiError::invalid_config("max age can not be negative"));
    }
    if age != 0 && age < MIN_WINDOW {
        return Err(ApiError::invalid_config("max age needs to be >= 100ms"));
    }
    // A mirror or a stream with sources keeps the window it was given (none by default).
    let copies = cfg.mirror.is_some() || !cfg.sources.is_empty();
    let window = if copies { cfg.duplicate_window } else { duplicate_window(age, cfg.duplicate_window) };
    if window < 0 {
        return Err(ApiError::invalid_config("duplicates window can not be negative"));
    }
    if age != 0 && window > age {
        return Err(ApiError::invalid_config("duplicates window can not be larger then max age"));
    }
    if window > 0 && window < MIN_WINDOW {
        return Err(ApiError::invalid_config("duplicates window needs to be >= 100ms"));
    }
    Ok(())
}

fn check_policies(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    if cfg.deny_purge && cfg.allow_rollup_hdrs {
        return Err(ApiError::invalid_config("roll-ups require the purge permission"));
    }
    if cfg.allow_msg_counter {
        if cfg.discard == "new" {
            return Err(ApiError::invalid_config("counter stream cannot use discard new"));
        }
        if cfg.allow_msg_ttl {
            return Err(ApiError::invalid_config("counter stream cannot use message TTLs"));
        }
        if cfg.allow_msg_schedules {
            return Err(ApiError::invalid_config("counter stream cannot use message schedules"));
        }
        if cfg.retention != "limits" {
            return Err(ApiError::invalid_config("counter stream can only use limits retention"));
        }
    }
    if cfg.discard_new_per_subject {
        if cfg.discard != "new" {
            return Err(ApiError::invalid_config("discard new per subject requires discard new policy to be set"));
        }
        if cfg.max_msgs_per_subject <= 0 {
            return Err(ApiError::invalid_config("discard new per subject requires max msgs per subject > 0"));
        }
    }
    let marker_ttl = cfg.subject_delete_marker_ttl;
    if marker_ttl > 0 && marker_ttl < NANOS_PER_SEC {
        return Err(ApiError::invalid_config("subject delete marker TTL must be at least 1 second"));
    }
    if marker_ttl < 0 {
        return Err(ApiError::invalid_config("subject delete marker TTL must not be negative"));
    }
    if cfg.allow_msg_schedules && cfg.discard == "new" {
        return Err(ApiError::invalid_config("message scheduling cannot use discard new"));
    }
    if cfg.persist_mode == "async" {
        if cfg.storage != "file" {
            return Err(ApiError::invalid_config("async persist mode is only supported on file storage"));
        }
        if cfg.num_replicas > 1 {
            return Err(ApiError::invalid_config("async persist mode is not supported on replicated streams"));
        }
        if cfg.allow_atomic {
            return Err(ApiError::invalid_config("async persist mode is not supported with atomic batch publish"));
        }
    }
    Ok(())
}

/// The subjects the server keeps for itself: a stream may capture them only without acknowledgements.
const JETSTREAM_API: [&str; 3] = ["$JS.>", "$JSC.>", "$NRG.>"];

fn check_subjects(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    for (i, subject) in cfg.subjects.iter().enumerate() {
        if !valid_filter(subject) {
            return Err(ApiError::invalid_config("invalid subject"));
        }
        if subject == ">" && !cfg.no_ack {
            return Err(ApiError::invalid_config("capturing all subjects requires no-ack to be true"));
        }
        if !cfg.no_ack {
            check_reserved(subject)?;
        }
        if let Some(other) = cfg.subjects[i + 1..].iter().find(|o| subjects_overlap(o, subject)) {
            return Err(ApiError::invalid_config(format!("subject {subject:?} overlaps with {other:?}")));
        }
    }
    Ok(())
}

/// Refuses a subject that overlaps the JetStream or system API (events excepted, as the server allows them).
fn check_reserved(subject: &str) -> Result<(), ApiError> {
    let api = JETSTREAM_API.iter().any(|ns| subjects_overlap(subject, ns));
    if api && !subject_is_subset(subject, "$JS.EVENT.>") {
        return Err(ApiError::invalid_config("subjects that overlap with jetstream api require no-ack to be true"));
    }
    if subjects_overlap(subject, "$SYS.>") && !subject_is_subset(subject, "$SYS.ACCOUNT.>") {
        return Err(ApiError::invalid_config("subjects that overlap with system api require no-ack to be true"));
    }
    Ok(())
}

/// Whether every subject `sub` matches is also matched by `of`.
pub fn subject_is_subset(sub: &str, of: &str) -> bool {
    let (s, o): (Vec<&str>, Vec<&str>) = (sub.split('.').collect(), of.split('.').collect());
    for (i, t) in o.iter().enumerate() {
        match (*t, s.get(i)) {
            (">", Some(_)) => return true,
            (_, None) | (_, Some(&">")) => return false,
            ("*", Some(_)) => {}
            (lit, Some(x)) if lit == *x => {}
            _ => return false,
        }
    }
    s.len() == o.len()
}

fn check_republish(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    let Some(r) = &cfg.republish else { return Ok(()) };
    let src = if r.src.is_empty() { ">" } else { r.src.as_str() };
    let subjects = if cfg.subjects.is_empty() { std::slice::from_ref(&cfg.name) } else { &cfg.subjects[..] };
    if subjects.iter().any(|s| subjects_overlap(&r.dest, s)) {
        return Err(ApiError::invalid_config("stream configuration for republish destination forms a cycle"));
    }
    if r.dest.is_empty() {
        return Ok(());
    }
    SubjectTransform::new(src, &r.dest).map(|_| ()).map_err(|unsupported| {
        unsupported.unwrap_or_else(|| {
            ApiError::invalid_config(format!(
                "stream configuration for republish with transform from '{src}' to '{}' not valid",
                r.dest
            ))
        })
    })
}

/// The server's storage check for a new stream with a byte limit: what the other streams of the same storage
/// have reserved plus this one's limit must fit.
pub fn check_resources(cfg: &StreamConfig, reserved_by_others: u64) -> Result<(), ApiError> {
    let reserved = i64::try_from(reserved_by_others).unwrap_or(i64::MAX);
    let wanted = cfg.max_bytes.max(1);
    match cfg.storage {
        StorageType::Memory if reserved.saturating_add(wanted) > MAX_MEMORY => {
            Err(ApiError::new(500, 10028, "insufficient memory resources available"))
        }
        StorageType::File if reserved.saturating_add(wanted) > MAX_STORE => {
            Err(ApiError::new(500, 10047, "insufficient storage resources available"))
        }
        _ => Ok(()),
    }
}

/// What sealing does to a configuration once the update's checks have passed: no max age, discard new, and no
/// deletes, purges or rollups.
pub fn seal(cfg: &mut StreamConfig) {
    if cfg.sealed {
        cfg.max_age = 0;
        cfg.discard_new = true;
        cfg.deny_delete = true;
        cfg.deny_purge = true;
        cfg.allow_rollup_hdrs = false;
    }
}

/// A single server's refusal of replicas, after the configuration's checks.
pub fn check_single_server(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    if cfg.num_replicas > 1 {
        return Err(ApiError::replicas_not_supported());
    }
    Ok(())
}

/// What an update may not change (`configUpdateCheck`), after `check_config`.
pub fn check_update(old: &StreamConfig, new: &StreamConfig, _asked: &StreamConfigJson) -> Result<(), ApiError> {
    let refuse = |what: &str| Err(ApiError::invalid_config(format!("stream configuration update can not {what}")));
    if old.storage != new.storage {
        return refuse("change storage type");
    }
    let workqueue = |c: &StreamConfig| c.retention == Retention::WorkQueue;
    if old.retention != new.retention && (workqueue(old) || workqueue(new)) {
        return refuse("change retention policy to/from workqueue");
    }
    if old.sealed && !new.sealed {
        return refuse("unseal a sealed stream");
    }
    if old.deny_delete && !new.deny_delete {
        return refuse("cancel deny message deletes");
    }
    if old.deny_purge && !new.deny_purge {
        return refuse("cancel deny purge");
    }
    // A mirror may be removed (the stream is promoted to a plain one), not changed.
    if new.mirror.is_some() && new.mirror != old.mirror {
        return Err(ApiError::new(400, 10055, "stream mirror configuration can not be updated"));
    }
    if old.allow_msg_ttl && !new.allow_msg_ttl {
        return Err(ApiError::invalid_config("message TTL status can not be disabled"));
    }
    if old.allow_msg_counter != new.allow_msg_counter {
        return Err(ApiError::invalid_config("stream configuration update can not change message counter setting"));
    }
    if old.allow_msg_schedules && !new.allow_msg_schedules {
        return Err(ApiError::invalid_config("message schedules can not be disabled"));
    }
    if old.persist_async != new.persist_async {
        return Err(ApiError::invalid_config("stream configuration update can not change persist mode"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> StreamConfigJson {
        serde_json::from_str(json).unwrap()
    }

    fn refusal(json: &str) -> String {
        check_config(&cfg(json)).unwrap_err().description
    }

    #[test]
    fn names_are_checked_as_the_server_checks_them() {
        assert!(valid_stream_name("S\u{1}") && !valid_stream_name("a/b") && !valid_stream_name("S\x0c"));
        let long = format!(r#"{{"name":"{}"}}"#, "A".repeat(256));
        assert_eq!(refusal(&long), "stream name is too long, maximum allowed is 255");
        let e = check_create_request(&cfg(r#"{"name":"a/b"}"#), "a/b").unwrap_err();
        assert_eq!((e.code, e.err_code), (400, 10128));
        let e = check_create_request(&cfg(r#"{"subjects":["x"]}"#), "S").unwrap_err();
        assert_eq!(e.err_code, 10056);
    }

    #[test]
    fn replicas_come_before_the_other_numbers() {
        assert_eq!(refusal(r#"{"name":"S","num_replicas":6,"max_age":-1}"#), "maximum replicas is 5");
        let e = check_config(&cfg(r#"{"name":"S","num_replicas":-1}"#)).unwrap_err();
        assert_eq!((e.code, e.err_code), (400, 10133));
        // A single server refuses more than one replica only after the whole configuration is checked.
        assert_eq!(refusal(r#"{"name":"S","num_replicas":3,"max_age":-1}"#), "max age can not be negative");
        assert!(check_config(&cfg(r#"{"name":"S","num_replicas":3}"#)).is_ok());
    }

    #[test]
    fn windows_must_fit_the_max_age() {
        assert_eq!(refusal(r#"{"name":"S","max_age":50000000}"#), "max age needs to be >= 100ms");
        assert_eq!(refusal(r#"{"name":"S","duplicate_window":-1}"#), "duplicates window can not be negative");
        assert_eq!(
            refusal(r#"{"name":"S","duplicate_window":5000000000,"max_age":1000000000}"#),
            "duplicates window can not be larger then max age"
        );
        assert!(check_config(&cfg(r#"{"name":"S","max_age":9223372036854775807}"#)).is_ok());
    }

    #[test]
    fn streams_may_not_capture_the_servers_own_subjects() {
        assert_eq!(refusal(r#"{"name":"S","subjects":[">"]}"#), "capturing all subjects requires no-ack to be true");
        assert!(refusal(r#"{"name":"S","subjects":["*.>"]}"#).contains("jetstream api"));
        assert!(refusal(r#"{"name":"S","subjects":["$SYS.>"]}"#).contains("system api"));
        assert!(check_config(&cfg(r#"{"name":"S","subjects":["$JS.EVENT.>","$SYS.ACCOUNT.>"]}"#)).is_ok());
        assert!(check_config(&cfg(r#"{"name":"S","subjects":[">"],"no_ack":true}"#)).is_ok());
        assert_eq!(refusal(r#"{"name":"S","subjects":["a","a"]}"#), r#"subject "a" overlaps with "a""#);
        assert_eq!(refusal(r#"{"name":"S","subjects":["a..b"]}"#), "invalid subject");
    }

    #[test]
    fn subsets() {
        assert!(subject_is_subset("$JS.EVENT.x", "$JS.EVENT.>") && subject_is_subset("a.*", "a.*"));
        assert!(!subject_is_subset("$JS.>", "$JS.EVENT.>") && !subject_is_subset("a.>", "a.*"));
    }

    #[test]
    fn republish_may_not_feed_the_stream() {
        let cycle = r#"{"name":"S","subjects":["r.>"],"republish":{"dest":"r.x"}}"#;
        assert_eq!(refusal(cycle), "stream configuration for republish destination forms a cycle");
        let fwc = r#"{"name":"S","subjects":["r.>"],"republish":{"src":"r.>","dest":"x.foo"}}"#;
        assert_eq!(refusal(fwc), "stream configuration for republish with transform from 'r.>' to 'x.foo' not valid");
    }

    #[test]
    fn byte_limits_must_fit_the_servers_storage() {
        let c = cfg(r#"{"name":"S","max_bytes":1125899906842624}"#).engine_config();
        assert_eq!(check_resources(&c, 0).unwrap_err().err_code, 10047);
        let m = cfg(r#"{"name":"S","max_bytes":1125899906842624,"storage":"memory"}"#).engine_config();
        assert_eq!(check_resources(&m, 0).unwrap_err().err_code, 10028);
    }

    #[test]
    fn a_sealed_stream_stays_sealed_and_read_only() {
        let old = cfg(r#"{"name":"S"}"#).engine_config();
        let mut sealed = cfg(r#"{"name":"S","sealed":true}"#).engine_config();
        assert!(check_update(&old, &sealed, &cfg(r#"{"name":"S","sealed":true}"#)).is_ok());
        seal(&mut sealed);
        assert!(sealed.deny_delete && sealed.deny_purge && !sealed.allow_rollup_hdrs && sealed.discard_new);
        let e = check_update(&sealed, &old, &cfg(r#"{"name":"S"}"#)).unwrap_err();
        assert_eq!(e.description, "stream configuration update can not unseal a sealed stream");
    }
}
