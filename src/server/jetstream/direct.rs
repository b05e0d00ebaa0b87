//! Direct gets (`$JS.API.DIRECT.GET.<stream>[.<subject>]`), answered by the stream itself as nats-server answers
//! them: one message with its headers, or a batch of them (by sequence, next by subject, or the last message of
//! each subject a set of filters names) ended by a `204 EOB` status that says how many remain. Refusals are
//! statuses (408 for a request it cannot read, 404 when nothing matches, 413 for too many subjects).

use super::{encode_headers, JetStream, Out};
use crate::engine::headers::Headers;
use crate::engine::kv::subject_matches;
use crate::engine::stream::{StoredMsg, Stream};
use crate::engine::time::{parse_rfc3339, rfc3339_nanos};
use crate::engine::Engine;
use crate::server::api::MsgGetRequest;
use crate::server::wire::HeaderBlock;

/// The bytes a batch sends before it stops, when the request sets none (nats-server's max pending).
const DEFAULT_MAX_BYTES: i64 = 64 * 1024 * 1024;
/// The most subjects a multi-subject get may answer.
const MAX_MULTI: usize = 1024;

fn status(reply: &str, code: u16, desc: &str) -> Vec<Out> {
    vec![Out::status(reply, code, desc)]
}

/// A status with headers of its own (the end of a batch).
fn status_with(reply: &str, code: u16, desc: &str, headers: Headers) -> Out {
    let h = HeaderBlock { status: Some((code, desc.to_string())), headers };
    Out { deliver: None, subject: reply.to_string(), reply: None, headers: Some(h.encode()), payload: Vec::new() }
}

/// One message as a direct get sends it: its own headers, then where it came from (and, in a batch, how many
/// remain and the sequence sent before it).
fn message(reply: &str, stream: &str, m: &StoredMsg, batch: Option<(u64, u64)>, no_hdrs: bool) -> Out {
    let headers = (!no_hdrs).then(|| {
        let mut h = m.headers.clone();
        h.push(("Nats-Stream".into(), stream.to_string()));
        h.push(("Nats-Subject".into(), m.subject.clone()));
        h.push(("Nats-Sequence".into(), m.seq.to_string()));
        h.push(("Nats-Time-Stamp".into(), rfc3339_nanos(m.time)));
        if let Some((pending, last)) = batch {
            h.push(("Nats-Num-Pending".into(), pending.to_string()));
            h.push(("Nats-Last-Sequence".into(), last.to_string()));
        }
        h
    });
    Out {
        deliver: None,
        subject: reply.to_string(),
        reply: None,
        headers: headers.and_then(|h| encode_headers(&h)),
        payload: m.data.clone(),
    }
}

/// What a message costs a batch's byte budget.
fn cost(m: &StoredMsg) -> i64 {
    (m.subject.len() + encode_headers(&m.headers).map_or(0, |h| h.len()) + m.data.len()) as i64
}

/// The first sequence stored at or after a time (the one after the last when none is).
fn seq_from_time(s: &Stream, t: i64) -> u64 {
    s.messages().find(|m| m.time >= t).map_or(s.state().last_seq.saturating_add(1), |m| m.seq)
}

impl JetStream {
    // The conflicting options are listed as nats-server lists them, pair by pair.
    #[allow(clippy::nonminimal_bool)]
    pub(super) fn direct_get(
        &mut self,
        engine: &Engine,
        tokens: &[&str],
        api: &str,
        reply: &str,
        payload: &[u8],
        level_too_low: bool,
    ) -> Option<Vec<Out>> {
        let ["DIRECT", "GET", stream, rest @ ..] = tokens else { return None };
        // The stream answers, or else a mirror of it that serves its direct gets (`mirror_direct`).
        let s =
            engine.stream_named(stream).filter(|s| s.config.allow_direct).or_else(|| engine.mirror_serving(stream))?;
        if level_too_low {
            return Some(status(reply, 412, "Required Api Level"));
        }
        let read = |p: &[u8]| serde_json::from_slice::<MsgGetRequest>(p).ok();
        let req = if rest.is_empty() {
            if payload.is_empty() {
                return Some(status(reply, 408, "Empty Request"));
            }
            let Some(req) = read(payload) else { return Some(status(reply, 408, "Malformed Request")) };
            let r = &req;
            if r.seq.unwrap_or(0) == 0
                && r.last_by_subj.is_none()
                && r.next_by_subj.is_none()
                && r.multi_last.as_ref().is_none_or(Vec::is_empty)
                && r.start_time.is_none()
            {
                return Some(status(reply, 408, "Empty Request"));
            }
            let seq = r.seq.unwrap_or(0) > 0;
            let (last, next, start) = (r.last_by_subj.is_some(), r.next_by_subj.is_some(), r.start_time.is_some());
            let multi = r.multi_last.as_ref().is_some_and(|m| !m.is_empty());
            if (seq && last)
                || (seq && start)
                || (start && last)
                || (last && next)
                || (last && r.batch.unwrap_or(0) > 0)
                || (last && multi)
                || (next && multi)
                || (r.up_to_seq.unwrap_or(0) > 0 && r.up_to_time.is_some())
            {
                return Some(status(reply, 408, "Bad Request"));
            }
            req
        } else {
            // `DIRECT.GET.<stream>.<subject>`: the subject is the rest of the request subject, and a body may only
            // say what does not name another message.
            let prefix = format!("DIRECT.GET.{stream}.");
            let key = api.strip_prefix(&prefix).unwrap_or_default();
            if key.is_empty() {
                return Some(status(reply, 408, "Bad Request"));
            }
            let mut req = MsgGetRequest::default();
            if !payload.is_empty() {
                let Some(r) = read(payload) else { return Some(status(reply, 408, "Malformed Request")) };
                let names_another = r.last_by_subj.is_some()
                    || r.next_by_subj.is_some()
                    || r.multi_last.as_ref().is_some_and(|m| !m.is_empty())
                    || r.seq.unwrap_or(0) != 0
                    || r.batch.unwrap_or(0) != 0
                    || r.start_time.is_some()
                    || r.up_to_seq.unwrap_or(0) != 0
                    || r.up_to_time.is_some();
                if names_another {
                    return Some(status(reply, 408, "Bad Request"));
                }
                req = r;
            }
            req.last_by_subj = Some(key.to_string());
            req
        };
        let name = s.config.name.as_str();
        if req.multi_last.as_ref().is_some_and(|m| !m.is_empty()) {
            return Some(multi(s, name, &req, reply));
        }
        Some(single_or_batch(s, name, &req, reply))
    }
}

/// One message, or a batch of them from a sequence (or a time), optionally the next ones on a subject.
fn single_or_batch(s: &Stream, name: &str, req: &MsgGetRequest, reply: &str) -> Vec<Out> {
    let mut seq = match &req.start_time {
        Some(t) => match parse_rfc3339(t) {
            Some(t) => seq_from_time(s, t),
            None => return status(reply, 408, "Malformed Request"),
        },
        None => req.seq.unwrap_or(0),
    };
    let next_for = req.next_by_subj.as_deref().filter(|f| !f.is_empty());
    let matches = |m: &&StoredMsg| next_for.is_none_or(|f| subject_matches(f, &m.subject));
    let is_batch = req.batch.unwrap_or(0) > 0;
    let batch = req.batch.unwrap_or(0).max(1);
    let mut pending = if is_batch { s.messages_from(seq).filter(matches).count() as u64 } else { 0 };
    let budget = req.max_bytes.filter(|b| *b != 0).unwrap_or(DEFAULT_MAX_BYTES);
    // nats-server 2.15 sends a direct get's headers even when the request says `no_hdrs`.
    let no_hdrs = false;
    let (mut outs, mut last, mut sent) = (Vec::new(), 0, 0i64);
    for i in 0..batch {
        let found = if seq > 0 && next_for.is_none() {
            let m = if i == 0 && !is_batch { s.get(seq) } else { s.messages_from(seq).next() };
            seq = m.map_or(seq, |m| m.seq).saturating_add(1);
            m
        } else if next_for.is_some() {
            let m = s.messages_from(seq).find(matches);
            seq = m.map_or(seq, |m| m.seq).saturating_add(1);
            m
        } else {
            let last_for = req.last_by_subj.as_deref().unwrap_or_default();
            let literal = !last_for.split('.').any(|t| t == "*" || t == ">");
            if literal {
                s.last_for_subject(last_for)
            } else {
                s.messages().rev().find(|m| subject_matches(last_for, &m.subject))
            }
        };
        let Some(m) = found else {
            // A batch that found some ends as usual.
            if batch > 1 && i > 0 {
                break;
            }
            return status(reply, 404, "Message Not Found");
        };
        pending = pending.saturating_sub(u64::from(is_batch));
        outs.push(message(reply, name, m, is_batch.then_some((pending, last)), no_hdrs));
        last = m.seq;
        sent += cost(m);
        if sent >= budget {
            break;
        }
    }
    if is_batch {
        let h = vec![("Nats-Num-Pending".into(), pending.to_string()), ("Nats-Last-Sequence".into(), last.to_string())];
        outs.push(status_with(reply, 204, "EOB", h));
    }
    outs
}

/// The last message of each subject the filters name, at or below a ceiling, in sequence order.
fn multi(s: &Stream, name: &str, req: &MsgGetRequest, reply: &str) -> Vec<Out> {
    let state = s.state();
    let mut up_to = req.up_to_seq.unwrap_or(0);
    if let Some(t) = &req.up_to_time {
        let Some(t) = parse_rfc3339(t) else { return status(reply, 408, "Malformed Request") };
        up_to = seq_from_time(s, t);
        if up_to <= state.first_seq {
            return status(reply, 404, "No Results");
        }
        up_to -= 1;
    }
    if up_to == 0 {
        up_to = state.last_seq;
    }
    let filters = req.multi_last.as_deref().unwrap_or_default();
    let mut seqs: Vec<u64> = Vec::new();
    for filter in filters {
        for m in s.last_per_subject() {
            if !subject_matches(filter, &m.subject) {
                continue;
            }
            let seq = if m.seq <= up_to {
                Some(m.seq)
            } else {
                s.subject_seqs(&m.subject).into_iter().rev().find(|q| *q <= up_to)
            };
            if let Some(q) = seq.filter(|q| !seqs.contains(q)) {
                seqs.push(q);
            }
        }
        if seqs.len() > MAX_MULTI {
            return status(reply, 413, "Too Many Results");
        }
    }
    if seqs.is_empty() {
        return status(reply, 404, "No Results");
    }
    seqs.sort_unstable();
    let budget = req.max_bytes.filter(|b| *b != 0).unwrap_or(DEFAULT_MAX_BYTES);
    let batch = req.batch.unwrap_or(0);
    let min_seq = req.seq.unwrap_or(0);
    let (mut outs, mut pending, mut last, mut bytes, mut sent) = (Vec::new(), seqs.len() as u64, 0, 0i64, 0u64);
    for q in seqs {
        pending = pending.saturating_sub(1);
        if q < min_seq {
            continue;
        }
        let Some(m) = s.get(q) else { return status(reply, 404, "Message Not Found") };
        outs.push(message(reply, name, m, Some((pending, last)), false));
        last = m.seq;
        bytes += cost(m);
        if bytes >= budget {
            break;
        }
        sent += 1;
        if batch > 0 && sent >= batch {
            break;
        }
    }
    let h = vec![
        ("Nats-Num-Pending".into(), pending.to_string()),
        ("Nats-Last-Sequence".into(), last.to_string()),
        ("Nats-UpTo-Sequence".into(), up_to.to_string()),
    ];
    outs.push(status_with(reply, 204, "EOB", h));
    outs
}
