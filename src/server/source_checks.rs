//! nats-server's checks of a stream's mirror, sources and subject transform (in `checkStreamCfg`), in its order,
//! with its codes and texts (measured on nats-server 2.15.1 with `tests/conformance/api_probes.json`). Some
//! need the other streams: whether an origin exists and how large a message it takes, and whether sourcing
//! would form a cycle.

use std::collections::BTreeSet;

use super::api::{StreamConfigJson, StreamSourceJson, TransformJson};
use super::jetstream::subjects_overlap;
use super::stream_checks::{subject_is_subset, valid_stream_name};
use super::wire::valid_filter;
use crate::engine::kv::sourcing::forms_cycle;
use crate::engine::stream::StreamConfig;
use crate::engine::transform::mapping_error;
use crate::engine::ApiError;

/// The configuration of another stream by its name, if there is one.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<StreamConfig>;

/// The checks of a mirror's or source's durable consumer (`features.rs`: only a client on the wire names one),
/// given the consumers the stream's sources named so far (`None` for a mirror).
pub type ConsumerCheck = fn(&StreamSourceJson, Option<&mut BTreeSet<String>>) -> Result<(), ApiError>;

/// Whether a configuration field nats-server knows but the playground does not keep is set to true.
fn other_flag(cfg: &StreamConfigJson, key: &str) -> bool {
    match key {
        "allow_msg_counter" => cfg.allow_msg_counter,
        "allow_atomic" => cfg.allow_atomic,
        "allow_batched" => cfg.allow_batched,
        "allow_msg_schedules" => cfg.allow_msg_schedules,
        _ => cfg.other.get(key).and_then(|v| v.as_bool()).unwrap_or(false),
    }
}

/// A transform's source and destination, as the server checks them for a mirror (`what` "mirror") or a source.
fn check_transform(t: &TransformJson, what: &str, codes: (u16, u16)) -> Result<(), ApiError> {
    if !t.src.is_empty() && !valid_filter(&t.src) {
        return Err(ApiError::new(400, codes.0, format!("{what} transform source: invalid subject {}", t.src)));
    }
    match mapping_error(&t.src, &t.dest) {
        Some(e) => Err(ApiError::new(400, codes.1, format!("{what} transform: {e}"))),
        None => Ok(()),
    }
}

/// The mirror's checks, before the sources'.
fn check_mirror(
    cfg: &StreamConfigJson,
    m: &StreamSourceJson,
    others: Lookup,
    durable: Option<ConsumerCheck>,
) -> Result<(), ApiError> {
    if cfg.first_seq > 0 {
        return Err(ApiError::new(400, 10143, "stream mirrors can not have first sequence configured"));
    }
    if !cfg.subjects.is_empty() {
        return Err(ApiError::new(400, 10034, "stream mirrors can not contain subjects"));
    }
    if !cfg.sources.is_empty() {
        return Err(ApiError::new(400, 10031, "stream mirrors can not also contain other sources"));
    }
    let refusals = [
        ("allow_msg_counter", 10173, "stream mirrors can not also calculate counters"),
        ("allow_atomic", 10198, "stream mirrors can not also use atomic publishing"),
        ("allow_batched", 10209, "stream mirrors can not also use batch publishing"),
        ("allow_msg_schedules", 10186, "stream mirrors can not also schedule messages"),
    ];
    if let Some((_, code, text)) = refusals.iter().find(|(k, _, _)| other_flag(cfg, k)) {
        return Err(ApiError::new(400, *code, *text));
    }
    if let (Some(_), Some(check)) = (&m.consumer, durable) {
        check(m, None)?;
    }
    if !m.filter_subject.is_empty() && !m.subject_transforms.is_empty() {
        return Err(ApiError::new(
            400,
            10150,
            "mirror with multiple subject transforms cannot also have a single subject filter",
        ));
    }
    if cfg.subject_delete_marker_ttl > 0 {
        return Err(ApiError::invalid_config("subject delete markers forbidden on mirrors"));
    }
    for (i, t) in m.subject_transforms.iter().enumerate() {
        check_transform(t, "mirror", (10151, 10154))?;
        let collides = m.subject_transforms.iter().enumerate().any(|(j, u)| j != i && subjects_overlap(&t.src, &u.src));
        if collides {
            return Err(ApiError::new(400, 10152, "mirror subject filters can not overlap"));
        }
    }
    if m.external.is_none() {
        if !valid_stream_name(&m.name) {
            return Err(ApiError::new(400, 10142, "mirrored stream name is invalid"));
        }
        if let Some(origin) = others(&m.name) {
            if cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size {
                return Err(ApiError::new(400, 10030, "stream mirror must have max message size >= source"));
            }
        }
    }
    Ok(())
}

/// Each source's checks, in the order the configuration lists them.
fn check_sources(cfg: &StreamConfigJson, others: Lookup, durable: Option<ConsumerCheck>) -> Result<(), ApiError> {
    if !cfg.sources.is_empty() && other_flag(cfg, "allow_msg_schedules") {
        return Err(ApiError::new(400, 10187, "stream source can not also schedule messages"));
    }
    let (mut seen, mut consumers) = (BTreeSet::new(), BTreeSet::new());
    for src in &cfg.sources {
        if !valid_stream_name(&src.name) {
            return Err(ApiError::new(400, 10141, "sourced stream name is invalid"));
        }
        if !seen.insert(index_name(src)) {
            return Err(ApiError::new(400, 10140, "duplicate source configuration detected"));
        }
        if !src.filter_subject.is_empty() && !src.subject_transforms.is_empty() {
            return Err(ApiError::new(
                400,
                10144,
                "source with multiple subject transforms cannot also have a single subject filter",
            ));
        }
        for t in &src.subject_transforms {
            check_transform(t, "source", (10145, 10146))?;
        }
        for (i, t) in src.subject_transforms.iter().enumerate() {
            let overlaps =
                src.subject_transforms.iter().enumerate().any(|(j, u)| j != i && subject_is_subset(&t.src, &u.src));
            if overlaps {
                return Err(ApiError::new(400, 10147, "source filters can not overlap"));
            }
        }
        if let (Some(_), Some(check)) = (&src.consumer, durable) {
            check(src, Some(&mut consumers))?;
        }
        if src.external.is_none() {
            if let Some(origin) = others(&src.name) {
                if cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size {
                    return Err(ApiError::new(400, 10046, "stream source must have max message size >= target"));
                }
            }
        }
    }
    Ok(())
}

/// nats-server's index name of a source: its stream (and the consumer it reads through), filter and destination
/// (two sources of one stream differ by their consumers, filters or transforms).
fn index_name(src: &StreamSourceJson) -> String {
    let (filter, dest) = src.to_engine().filter_and_dest();
    let consumer = src.consumer.as_ref().map(|c| format!(":C={}", c.name)).unwrap_or_default();
    format!("{}{consumer} {filter} {dest}", src.name)
}

/// A mirror's or source's durable consumer as nats-server requires it: a name without separators or wildcards,
/// a literal deliver subject, no start position or filter of the origin's own (the consumer decides those), and
/// for a source, a consumer that feeds no other source of the stream.
pub fn check_consumer(o: &StreamSourceJson, sources: Option<&mut BTreeSet<String>>) -> Result<(), ApiError> {
    let Some(c) = &o.consumer else { return Ok(()) };
    let (name, deliver) = (c.name.as_str(), c.deliver_subject.as_str());
    let fits = valid_stream_name(name)
        && super::wire::valid_publish(deliver)
        && o.opt_start_seq == 0
        && o.opt_start_time.is_none()
        && o.filter_subject.is_empty();
    match sources {
        None if !fits => Err(ApiError::new(400, 10213, "stream mirror consumer config is invalid")),
        None => Ok(()),
        Some(_) if !fits => Err(ApiError::new(400, 10215, "stream source consumer config is invalid")),
        Some(seen) => match seen.insert(format!("{} {name}", o.name)) {
            true => Ok(()),
            false => Err(ApiError::new(400, 10216, "duplicate stream source consumer detected")),
        },
    }
}

/// The server's cycle check (the engine's, which a bucket's mirror and sources meet too).
fn check_cycles(cfg: &StreamConfigJson, others: Lookup) -> Result<(), ApiError> {
    match forms_cycle(&cfg.engine_config(), others) {
        true => Err(ApiError::invalid_config("detected cycle")),
        false => Ok(()),
    }
}

/// The mirror's, the sources' and the cycle checks, which come between the policies' and the subjects'.
pub fn check_origins(cfg: &StreamConfigJson, others: Lookup, durable: Option<ConsumerCheck>) -> Result<(), ApiError> {
    if let Some(m) = &cfg.mirror {
        check_mirror(cfg, m, others, durable)?;
    }
    check_sources(cfg, others, durable)?;
    check_cycles(cfg, others)
}

/// The stream's own subject transform, checked after its subjects.
pub fn check_stream_transform(cfg: &StreamConfigJson) -> Result<(), ApiError> {
    let Some(t) = &cfg.subject_transform else { return Ok(()) };
    check_transform(t, "stream", (10155, 10156))
}
