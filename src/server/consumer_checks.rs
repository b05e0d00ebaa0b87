//! nats-server's checks of a consumer configuration, on create and update: the same refusals in the same order,
//! with the same codes and texts (measured on nats-server 2.15.1 with `tests/conformance/api_probes.json`).
//!
//! The order is the server's: what its JSON decoder refuses (`check_decoded`), the create request's subject
//! and names (`check_request`, in `jetstream.rs`), the defaults (`set_defaults`, with `pedantic` refusing what
//! they would change), the configuration itself (`check_config`), and, for an existing consumer, what an update
//! may change (`check_update`).

use super::api::{ConsumerConfigJson, ConsumerCreateRequest};
use super::consumer::{DEFAULT_ACK_WAIT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING};
use super::stream_checks::subject_is_subset;
use super::wire::{valid_filter, valid_publish};
use crate::engine::stream::{Retention, Stream};
use crate::engine::time::{NANOS_PER_MILLI, NANOS_PER_SEC};
use crate::engine::ApiError;

/// nats-server's default TTL of a pinned client.
const DEFAULT_PINNED_TTL_NS: i64 = 120 * NANOS_PER_SEC;
/// The heartbeat a flow-control acknowledgement policy requires (nats-server's source health heartbeat).
const FLOW_CONTROL_HEARTBEAT_NS: i64 = NANOS_PER_SEC;
const MAX_DESCRIPTION_LEN: usize = 4 * 1024;
const MAX_METADATA_LEN: usize = 128 * 1024;

/// Go's words for an enum value its decoder does not know (`"\"bogus\""` quoted once more).
pub fn unmarshal_error(value: &str) -> ApiError {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    ApiError::new(
        400,
        10025,
        format!("invalid JSON: can not unmarshal {}", serde_json::to_string(&quoted).unwrap_or_default()),
    )
}

fn invalid_json(text: String) -> ApiError {
    ApiError::new(400, 10025, format!("invalid JSON: {text}"))
}

/// The fields of a consumer create request and of a consumer configuration that nats-server knows.
const REQUEST_FIELDS: [&str; 4] = ["stream_name", "config", "action", "pedantic"];
const CONFIG_FIELDS: [&str; 35] = [
    "durable_name",
    "name",
    "description",
    "deliver_policy",
    "opt_start_seq",
    "opt_start_time",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "filter_subject",
    "filter_subjects",
    "replay_policy",
    "rate_limit_bps",
    "sample_freq",
    "max_waiting",
    "max_ack_pending",
    "flow_control",
    "headers_only",
    "max_batch",
    "max_expires",
    "max_bytes",
    "deliver_subject",
    "deliver_group",
    "idle_heartbeat",
    "inactive_threshold",
    "num_replicas",
    "mem_storage",
    "direct",
    "sourcing",
    "metadata",
    "pause_until",
    "priority_groups",
    "priority_policy",
    "priority_timeout",
];

/// A field of a create request (as JSON) that nats-server's strict decoder does not know.
pub fn unknown_field(v: &serde_json::Value) -> Option<String> {
    let top = v.as_object()?;
    let outer = top.keys().find(|k| !REQUEST_FIELDS.contains(&k.as_str()));
    let inner = || top.get("config")?.as_object()?.keys().find(|k| !CONFIG_FIELDS.contains(&k.as_str()));
    outer.or_else(inner).cloned()
}

/// What nats-server's strict decoder refuses in a create request: a field it does not know (`unknown`, from
/// `unknown_field`), an enum value it does not know, a time it cannot read.
pub fn check_decoded(req: &ConsumerCreateRequest, unknown: Option<&str>) -> Result<(), ApiError> {
    if let Some(k) = unknown {
        return Err(invalid_json(format!("json: unknown field {k:?}")));
    }
    if let Some(a) = req.action.as_deref().filter(|a| !["", "create", "update"].contains(a)) {
        return Err(invalid_json(format!("unknown consumer action: {a:?}")));
    }
    let Some(cfg) = &req.config else { return Ok(()) };
    let known = |v: &str, of: &[&str]| v.is_empty() || of.contains(&v);
    if !known(
        &cfg.deliver_policy,
        &["all", "undefined", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject"],
    ) {
        return Err(unmarshal_error(&cfg.deliver_policy));
    }
    if !known(&cfg.ack_policy, &["none", "all", "explicit", "flow_control"]) {
        return Err(unmarshal_error(&cfg.ack_policy));
    }
    if !known(&cfg.replay_policy, &["instant", "original"]) {
        return Err(unmarshal_error(&cfg.replay_policy));
    }
    if let Some(p) = cfg.priority_policy.as_deref() {
        if !["none", "overflow", "pinned_client", "prioritized"].contains(&p) {
            return Err(invalid_json(format!("unknown priority policy: {p:?}")));
        }
    }
    for t in [&cfg.opt_start_time, &cfg.pause_until].into_iter().flatten() {
        if !readable_time(t) {
            return Err(invalid_json(format!(
                "parsing time {t:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {t:?} as \"2006\""
            )));
        }
    }
    Ok(())
}

/// Whether Go reads a time: RFC 3339 (Go's zero time included).
fn readable_time(t: &str) -> bool {
    t.starts_with("0001-01-01T") || pause_nanos(Some(t)).is_some()
}

/// A time as nats-server keeps it: UTC, Go's zero time as is.
pub fn utc_time(t: &str) -> String {
    if t.starts_with("0001-01-01T") {
        return super::api::ZERO_TIME.to_string();
    }
    match super::api::time_from_json(t).or_else(|| crate::engine::time::parse_rfc3339(t)) {
        Some(n) => crate::engine::time::rfc3339_nanos(n),
        None => t.to_string(),
    }
}

/// A pause time in nanoseconds since the epoch; `None` for Go's zero time (not paused).
pub fn pause_nanos(t: Option<&str>) -> Option<i64> {
    let t = t?;
    super::api::time_from_json(t).or_else(|| crate::engine::time::parse_rfc3339(t)).or_else(|| {
        // A time past what nanoseconds since 1970 can hold (after 2262) is as far off as there is, as Go's
        // durations saturate; the rest of it must still read as a time.
        let year: i64 = t.get(..4)?.parse().ok()?;
        let rest = crate::engine::time::parse_rfc3339(&format!("2000{}", t.get(4..)?))?;
        (year > 2262 && rest > 0).then_some(i64::MAX)
    })
}

fn pedantic(msg: &str) -> ApiError {
    ApiError::new(400, 10157, format!("pedantic mode: {msg}"))
}

fn num(v: Option<i64>) -> i64 {
    v.unwrap_or(0)
}

/// A value nats-server leaves out when zero.
fn some(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

/// nats-server's `setConsumerConfigDefaults`: negative values made unset (refused when pedantic), then the
/// defaults of the consumer's kind and its stream's consumer limits.
pub fn set_defaults(cfg: &mut ConsumerConfigJson, s: &Stream, strict: bool) -> Result<(), ApiError> {
    let fix = |v: &mut Option<i64>, msg: &str| -> Result<(), ApiError> {
        if num(*v) < 0 {
            if strict {
                return Err(pedantic(msg));
            }
            *v = None;
        }
        Ok(())
    };
    if cfg.max_deliver == 0 || cfg.max_deliver < -1 {
        if strict && cfg.max_deliver < -1 {
            return Err(pedantic("max_deliver must be set to -1"));
        }
        cfg.max_deliver = -1;
    }
    fix(&mut cfg.max_waiting, "max_waiting must not be negative")?;
    if num(cfg.max_ack_pending) < -1 {
        if strict {
            return Err(pedantic("max_ack_pending must be set to -1"));
        }
        cfg.max_ack_pending = Some(-1);
    }
    fix(&mut cfg.max_batch, "max_batch must not be negative")?;
    fix(&mut cfg.max_expires, "max_expires must not be negative")?;
    fix(&mut cfg.max_bytes, "max_bytes must not be negative")?;
    fix(&mut cfg.idle_heartbeat, "idle_heartbeat must not be negative")?;
    fix(&mut cfg.inactive_threshold, "inactive_threshold must not be negative")?;
    fix(&mut cfg.priority_timeout, "priority_timeout must not be negative")?;
    let push = cfg.deliver_subject.as_deref().is_some_and(|d| !d.is_empty());
    if !push {
        cfg.deliver_subject = None;
        if num(cfg.max_waiting) == 0 {
            cfg.max_waiting = Some(DEFAULT_MAX_WAITING);
        }
    }
    if cfg.ack_policy.is_empty() {
        cfg.ack_policy = "none".into();
    }
    if matches!(cfg.deliver_policy.as_str(), "" | "undefined") {
        cfg.deliver_policy = "all".into();
    }
    if cfg.replay_policy.is_empty() {
        cfg.replay_policy = "instant".into();
    }
    if cfg.priority_policy.as_deref() == Some("none") {
        cfg.priority_policy = None;
    }
    let acks = matches!(cfg.ack_policy.as_str(), "explicit" | "all");
    if num(cfg.ack_wait) == 0 && acks {
        cfg.ack_wait = Some(DEFAULT_ACK_WAIT_NS);
    }
    if let Some(first) = cfg.backoff.as_ref().and_then(|b| b.first()).copied() {
        if strict && num(cfg.ack_wait) != first {
            return Err(pedantic("first backoff value has to equal batch AckWait"));
        }
        cfg.ack_wait = Some(first);
    }
    let limits = s.config.consumer_limits;
    if num(cfg.max_ack_pending) == 0 {
        if strict && limits.max_ack_pending > 0 {
            return Err(pedantic("max_ack_pending must be set if it's configured in stream limits"));
        }
        cfg.max_ack_pending = some(limits.max_ack_pending);
    }
    if num(cfg.inactive_threshold) == 0 {
        if strict && limits.inactive_threshold > 0 {
            return Err(pedantic("inactive_threshold must be set if it's configured in stream limits"));
        }
        cfg.inactive_threshold = some(limits.inactive_threshold);
    }
    if num(cfg.max_ack_pending) == 0 && cfg.ack_policy != "none" {
        cfg.max_ack_pending = Some(DEFAULT_MAX_ACK_PENDING);
    }
    if cfg.priority_policy.as_deref() == Some("pinned_client") && num(cfg.priority_timeout) == 0 {
        cfg.priority_timeout = Some(DEFAULT_PINNED_TTL_NS);
    }
    if cfg.ack_policy == "flow_control" && !strict {
        cfg.flow_control = true;
        cfg.idle_heartbeat = Some(FLOW_CONTROL_HEARTBEAT_NS);
    }
    // What Go leaves out when zero.
    for v in [
        &mut cfg.ack_wait,
        &mut cfg.max_waiting,
        &mut cfg.max_ack_pending,
        &mut cfg.max_batch,
        &mut cfg.max_expires,
        &mut cfg.max_bytes,
        &mut cfg.idle_heartbeat,
        &mut cfg.inactive_threshold,
        &mut cfg.priority_timeout,
    ] {
        *v = v.filter(|n| *n != 0);
    }
    cfg.opt_start_seq = cfg.opt_start_seq.filter(|q| *q != 0);
    if cfg.filter_subject.as_deref() == Some("") {
        cfg.filter_subject = None;
    }
    if cfg.filter_subjects.as_ref().is_some_and(|f| f.is_empty()) {
        cfg.filter_subjects = None;
    }
    if cfg.priority_groups.as_ref().is_some_and(|g| g.is_empty()) {
        cfg.priority_groups = None;
    }
    Ok(())
}

/// A consumer's filters as nats-server gathers them: the one filter, or the list.
pub fn filters_of(cfg: &ConsumerConfigJson) -> Vec<String> {
    match (&cfg.filter_subject, &cfg.filter_subjects) {
        (Some(f), _) if !f.is_empty() => vec![f.clone()],
        (_, Some(list)) => list.clone(),
        _ => Vec::new(),
    }
}

/// Whether a name can name a priority group: 1 to 16 of A-Z, a-z, 0-9 and `-_/=`.
pub fn valid_group_name(g: &str) -> bool {
    (1..=16).contains(&g.len()) && g.chars().all(|c| c.is_ascii_alphanumeric() || "/_=-".contains(c))
}

/// Whether a name can name a consumer (nats-server's `isValidAssetName`).
fn valid_asset_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([' ', '\t', '\r', '\n', '\x0c', '.', '*', '>', '\\', '/'])
}

/// nats-server's `checkConsumerCfg`, in its order, on a configuration `set_defaults` completed.
pub fn check_config(cfg: &ConsumerConfigJson, s: &Stream) -> Result<(), ApiError> {
    let bad = |code: u16, m: &str| Err(ApiError::new(400, code, m.to_string()));
    if cfg.name.as_deref().is_some_and(|n| !n.is_empty() && !valid_asset_name(n)) {
        return Err(ApiError::invalid_config("consumer name can not contain '.', '*', '>', '\\', '/'"));
    }
    if cfg.durable_name.as_deref().is_some_and(|n| !n.is_empty() && !valid_asset_name(n)) {
        return Err(ApiError::invalid_config("consumer durable name can not contain '.', '*', '>', '\\', '/'"));
    }
    let stream_replicas = s.config.replicas.max(1);
    if cfg.num_replicas > 0 && cfg.num_replicas > stream_replicas {
        return bad(10126, "consumer config replica count exceeds parent stream");
    }
    if cfg.num_replicas < 0 {
        return bad(10133, "replicas count cannot be negative");
    }
    if s.config.retention != Retention::Limits && cfg.num_replicas != 0 && cfg.num_replicas != stream_replicas {
        return bad(10134, "consumer config replicas must match interest retention stream's replicas");
    }
    let backoff = cfg.backoff.clone().unwrap_or_default();
    if backoff.iter().any(|b| *b < 0) {
        return bad(10184, "consumer backoff needs to be positive");
    }
    if num(cfg.ack_wait) < 0 {
        return bad(10183, "consumer ack wait needs to be positive");
    }
    let push = cfg.deliver_subject.is_some();
    if cfg.ack_policy == "flow_control" {
        if !push {
            return bad(10218, "flow control ack policy requires a push based consumer");
        }
        if !cfg.flow_control {
            return bad(10219, "flow control ack policy requires flow control");
        }
        if num(cfg.idle_heartbeat) != FLOW_CONTROL_HEARTBEAT_NS {
            return Err(ApiError::invalid_config("flow control ack policy heartbeat needs to be 1s"));
        }
        if num(cfg.max_ack_pending) <= 0 {
            return bad(10220, "flow control ack policy requires max ack pending");
        }
        if num(cfg.ack_wait) != 0 || !backoff.is_empty() {
            return bad(10221, "flow control ack policy requires unset ack wait");
        }
        if cfg.max_deliver > 0 {
            return bad(10222, "flow control ack policy requires unset max deliver");
        }
    }
    if !backoff.is_empty() && cfg.max_deliver != -1 && backoff.len() as i64 > cfg.max_deliver {
        return bad(10116, "max deliver is required to be > length of backoff values");
    }
    if cfg.description.as_deref().is_some_and(|d| d.len() > MAX_DESCRIPTION_LEN) {
        return Err(ApiError::new(
            400,
            10107,
            format!("consumer description is too long, maximum allowed is {MAX_DESCRIPTION_LEN}"),
        ));
    }
    if let Some(d) = cfg.deliver_subject.as_deref() {
        if d.split('.').any(|t| t == "*" || t == ">") {
            return bad(10079, "consumer deliver subject has wildcards");
        }
        if !valid_publish(d) {
            return bad(10112, "invalid push consumer deliver subject");
        }
        if s.config.subjects.iter().any(|p| subject_is_subset(d, p)) {
            return bad(10081, "consumer deliver subject forms a cycle");
        }
        if num(cfg.max_waiting) != 0 {
            return bad(10080, "consumer in push mode can not set max waiting");
        }
        if num(cfg.max_ack_pending) > 0 && cfg.ack_policy == "none" {
            return bad(10082, "consumer requires ack policy for max ack pending");
        }
        let hb = num(cfg.idle_heartbeat);
        if hb > 0 && hb < 100 * NANOS_PER_MILLI {
            return bad(10083, "consumer idle heartbeat needs to be >= 100ms");
        }
    } else {
        if cfg.ack_policy == "none" && s.config.retention == Retention::WorkQueue {
            return bad(10084, "consumer in pull mode requires explicit ack policy on workqueue stream");
        }
        if cfg.rate_limit_bps.is_some_and(|r| r > 0) {
            return bad(10086, "consumer in pull mode can not have rate limit set");
        }
        if num(cfg.max_waiting) < 0 {
            return bad(10087, "consumer max waiting needs to be positive");
        }
        if num(cfg.idle_heartbeat) > 0 {
            return bad(10088, "consumer idle heartbeat requires a push based consumer");
        }
        if cfg.flow_control {
            return bad(10089, "consumer flow control requires a push based consumer");
        }
        if num(cfg.max_batch) < 0 {
            return bad(10114, "consumer max request batch needs to be > 0");
        }
        let expires = num(cfg.max_expires);
        if expires != 0 && expires < NANOS_PER_MILLI {
            return bad(10115, "consumer max request expires needs to be >= 1ms");
        }
    }
    let limits = s.config.consumer_limits;
    if limits.max_ack_pending > 0 && num(cfg.max_ack_pending) > limits.max_ack_pending {
        let limit = limits.max_ack_pending;
        return Err(ApiError::new(400, 10121, format!("consumer max ack pending exceeds system limit of {limit}")));
    }
    if limits.inactive_threshold > 0 && num(cfg.inactive_threshold) > limits.inactive_threshold {
        let limit = crate::engine::time::go_duration_string(limits.inactive_threshold);
        return Err(ApiError::new(400, 10153, format!("consumer inactive threshold exceeds system limit of {limit}")));
    }
    if cfg.direct {
        if !push {
            return bad(10090, "consumer direct requires a push based consumer");
        }
        if cfg.durable_name.as_deref().is_some_and(|d| !d.is_empty()) {
            return bad(10091, "consumer direct requires an ephemeral consumer");
        }
    }
    if cfg.filter_subject.is_some() && cfg.filter_subjects.is_some() {
        return bad(10136, "consumer cannot have both FilterSubject and FilterSubjects specified");
    }
    if cfg.filter_subject.as_deref().is_some_and(|f| !valid_filter(f)) {
        return Err(ApiError::invalid_config("invalid subject"));
    }
    if cfg.filter_subjects.iter().flatten().any(|f| f.is_empty()) {
        return bad(10139, "consumer filter in FilterSubjects cannot be empty");
    }
    let filters = filters_of(cfg);
    for (i, f) in filters.iter().enumerate() {
        if !valid_filter(f) {
            return Err(ApiError::invalid_config("invalid subject"));
        }
        if filters.iter().enumerate().any(|(j, g)| i != j && subject_is_subset(f, g)) {
            return bad(10138, "consumer subject filters cannot overlap");
        }
    }
    check_start(cfg)?;
    if let Some(freq) = cfg.sample_freq.as_deref().filter(|f| !f.is_empty()) {
        let n = freq.strip_suffix('%').unwrap_or(freq);
        let err = match n.parse::<i64>() {
            Ok(v) if v < 0 => Some("<nil>".to_string()),
            Ok(_) => None,
            Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) => {
                Some(format!("strconv.Atoi: parsing {n:?}: value out of range"))
            }
            Err(_) => Some(format!("strconv.Atoi: parsing {n:?}: invalid syntax")),
        };
        if let Some(e) = err {
            return Err(ApiError::new(400, 10095, format!("failed to parse consumer sampling configuration: {e}")));
        }
    }
    if cfg.flow_control && num(cfg.idle_heartbeat) == 0 {
        return bad(10108, "consumer with flow control also needs heartbeats");
    }
    if let (Some(d), Some(n)) = (&cfg.durable_name, &cfg.name) {
        if !d.is_empty() && !n.is_empty() && d != n {
            return bad(10132, "Consumer Durable and Name have to be equal if both are provided");
        }
    }
    if cfg.metadata.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() > MAX_METADATA_LEN {
        return bad(10135, "consumer metadata exceeds maximum size of 128KB");
    }
    let groups = cfg.priority_groups.clone().unwrap_or_default();
    if cfg.priority_policy.is_some() {
        if push {
            return bad(10178, "priority groups can not be used with push consumers");
        }
        if groups.is_empty() {
            return bad(10159, "Setting PriorityPolicy requires at least one PriorityGroup to be set");
        }
        for g in &groups {
            if g.is_empty() {
                return bad(10161, "Group name cannot be an empty string");
            }
            if !valid_group_name(g) {
                return bad(
                    10162,
                    "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters",
                );
            }
        }
    } else {
        if !groups.is_empty() {
            return bad(10196, "consumer can not have priority groups when policy is none");
        }
        if num(cfg.priority_timeout) > 0 {
            return bad(10197, "PinnedTTL cannot be set when PriorityPolicy is none");
        }
    }
    Ok(())
}

/// The deliver policy against the optional start and filter (nats-server's words, its doubled "start" too).
fn check_start(cfg: &ConsumerConfigJson) -> Result<(), ApiError> {
    let seq = cfg.opt_start_seq.unwrap_or(0);
    let time = cfg.opt_start_time.is_some();
    let bad_start = |dp: &str, start: &str| {
        Err(ApiError::new(
            400,
            10094,
            format!("consumer delivery policy is deliver {dp}, but optional start {start} is also set"),
        ))
    };
    let not_set = |dp: &str, what: &str| {
        Err(ApiError::new(
            400,
            10094,
            format!("consumer delivery policy is deliver {dp}, but optional {what} is not set"),
        ))
    };
    let words = match cfg.deliver_policy.as_str() {
        "all" => "all",
        "last" => "last",
        "last_per_subject" => "last per subject",
        "new" => "new",
        "by_start_sequence" => {
            if seq == 0 {
                return not_set("by start sequence", "start sequence");
            }
            if time {
                return bad_start("by start sequence", "time");
            }
            return Ok(());
        }
        _ => {
            if !time {
                return not_set("by start time", "start time");
            }
            if seq != 0 {
                return bad_start("by start time", "start sequence");
            }
            return Ok(());
        }
    };
    if seq > 0 {
        return bad_start(words, "sequence");
    }
    if time {
        return bad_start(words, "time");
    }
    if words == "last per subject" && filters_of(cfg).is_empty() {
        return not_set(words, "filter subject");
    }
    Ok(())
}

/// nats-server's `checkNewConsumerConfig`: what an update may not change (its errors come back as code 500,
/// 10012, the text as is). `interest` says whether anyone listens on the old deliver subject.
pub fn check_update(old: &ConsumerConfigJson, new: &ConsumerConfigJson, interest: bool) -> Result<(), ApiError> {
    if old == new {
        return Ok(());
    }
    let fail = |m: &str| Err(ApiError::new(500, 10012, m.to_string()));
    if old.deliver_policy != new.deliver_policy {
        return fail("deliver policy can not be updated");
    }
    if old.mem_storage != new.mem_storage {
        return fail("storage type can not be updated");
    }
    if old.direct != new.direct {
        return fail("direct can not be updated");
    }
    if old.sourcing != new.sourcing {
        return fail("sourcing can not be updated");
    }
    if old.opt_start_seq.unwrap_or(0) != new.opt_start_seq.unwrap_or(0) {
        return fail("start sequence can not be updated");
    }
    let t = |c: &ConsumerConfigJson| c.opt_start_time.as_deref().map(utc_time);
    if t(old) != t(new) {
        return fail("start time can not be updated");
    }
    if old.ack_policy != new.ack_policy {
        return fail("ack policy can not be updated");
    }
    if old.replay_policy != new.replay_policy {
        return fail("replay policy can not be updated");
    }
    if num(old.idle_heartbeat) != num(new.idle_heartbeat) {
        return fail("heart beats can not be updated");
    }
    if old.flow_control != new.flow_control {
        return fail("flow control can not be updated");
    }
    if old.deliver_subject != new.deliver_subject {
        if old.deliver_subject.is_none() {
            return fail("can not update pull consumer to push based");
        }
        if new.deliver_subject.is_none() {
            return fail("can not update push consumer to pull based");
        }
        if interest {
            return Err(ApiError::new(400, 10013, "consumer name already in use"));
        }
    }
    if num(old.max_waiting) != num(new.max_waiting) {
        return fail("max waiting can not be updated");
    }
    let backoff = new.backoff.as_ref().map_or(0, Vec::len) as i64;
    if backoff > 0 && new.max_deliver != -1 && backoff > new.max_deliver {
        return Err(ApiError::new(400, 10116, "max deliver is required to be > length of backoff values"));
    }
    Ok(())
}

/// The API level a configuration requires (`_nats.req.level`): 1 for a pause or priority groups, 4 for the
/// flow-control acknowledgement policy.
pub fn required_level(cfg: &ConsumerConfigJson) -> &'static str {
    if cfg.ack_policy == "flow_control" {
        return "4";
    }
    let paused = cfg.pause_until.as_deref().is_some_and(|t| !t.starts_with("0001-01-01T"));
    let priority = cfg.priority_policy.is_some()
        || num(cfg.priority_timeout) != 0
        || cfg.priority_groups.as_ref().is_some_and(|g| !g.is_empty());
    if paused || priority {
        "1"
    } else {
        "0"
    }
}
