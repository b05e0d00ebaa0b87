//! Atomic batch publishing (`allow_atomic`, nats-server 2.12): messages that carry `Nats-Batch-Id` and
//! `Nats-Batch-Sequence` are staged, each answered with an empty message, until the one with
//! `Nats-Batch-Commit: 1` (or `eob`, an end-of-batch marker that is not stored). The commit stores them all or
//! none: every message meets the publish checks against the stream as the earlier ones leave it (a dry run on
//! a copy of the stream), and only then are they stored, the last acknowledged with the batch's id and size.

use std::collections::{HashMap, HashSet};

use super::{encode_headers, Checked, JetStream, Out};
use crate::engine::headers::{self, Headers};
use crate::engine::stream::StreamSource;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::{ApiError, Engine, Nanos};
use crate::server::api::PubAckJson;
use crate::server::features::wire;

/// nats-server's limits: messages in a batch, batches open at once on a stream, and how long a batch waits
/// for its next message before it is abandoned.
const MAX_BATCH_SIZE: u64 = 1000;
const MAX_INFLIGHT_PER_STREAM: usize = 50;
const BATCH_TIMEOUT: Nanos = 10 * NANOS_PER_SEC;
const MAX_BATCH_ID_LEN: usize = 64;

/// The batches being staged, by stream and batch id.
#[derive(Default)]
pub struct Batches {
    open: HashMap<(String, String), Batch>,
}

/// A batch's messages: subject, headers, payload.
type Staged = Vec<(String, Headers, Vec<u8>)>;

struct Batch {
    msgs: Staged,
    /// The last batch sequence staged.
    last: u64,
    /// When the batch last heard from its publisher (the server's clock).
    touched: Nanos,
}

impl Batches {
    /// Forgets a stream's batches (deleted, or no longer taking atomic batches).
    pub fn drop_stream(&mut self, stream: &str) {
        self.open.retain(|(s, _), _| s != stream);
    }

    /// Drops batches that waited longer than the timeout (nats-server's cleanup timer).
    fn expire(&mut self, now: Nanos) {
        self.open.retain(|_, b| now - b.touched <= BATCH_TIMEOUT);
    }
}

impl JetStream {
    /// A publish that names a batch (`Nats-Batch-Id`): staged, refused, or the batch's commit, with the
    /// replies nats-server sends.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn batch_publish(
        &mut self,
        engine: &mut Engine,
        stream: &str,
        subject: &str,
        reply: Option<&str>,
        h: Headers,
        payload: &[u8],
        id: &str,
    ) -> Vec<Out> {
        let no_ack = engine.stream_named(stream).is_some_and(|s| s.config.no_ack);
        let reply = reply.filter(|_| !no_ack);
        let ack = |ack: PubAckJson| -> Vec<Out> {
            reply
                .map(|r| Out { deliver: None, subject: r.into(), reply: None, headers: None, payload: ack.to_wire() })
                .into_iter()
                .collect()
        };
        let refuse = |e: ApiError| ack(PubAckJson::refused(stream, &e));
        match self.stage(engine, stream, subject, h, payload, id) {
            Err(e) => refuse(e),
            Ok(None) => reply
                .map(|r| Out { deliver: None, subject: r.into(), reply: None, headers: None, payload: Vec::new() })
                .into_iter()
                .collect(),
            Ok(Some(msgs)) => match self.commit(engine, stream, msgs) {
                Ok((seq, count, mut outs)) => {
                    outs.extend(ack(PubAckJson {
                        error: None,
                        stream: stream.into(),
                        seq,
                        duplicate: false,
                        val: None,
                        batch: Some(id.to_string()),
                        count: Some(count),
                    }));
                    outs
                }
                Err(e) => refuse(e),
            },
        }
    }

    /// Stages one message of a batch, in nats-server's order of checks; the batch's messages when this one
    /// commits it.
    fn stage(
        &mut self,
        engine: &Engine,
        stream: &str,
        subject: &str,
        h: Headers,
        payload: &[u8],
        id: &str,
    ) -> Result<Option<Staged>, ApiError> {
        let s = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?;
        if s.config.sealed {
            return Err(ApiError::new(400, 10109, "invalid operation on sealed stream"));
        }
        let max = s.config.max_msg_size as i64;
        let hdr_len = encode_headers(&h).map_or(0, |b| b.len()) as i64;
        if max >= 0 && (hdr_len > max || payload.len() as i64 > max - hdr_len) {
            return Err(ApiError::new(400, 10054, "message size exceeds maximum allowed"));
        }
        if !s.config.allow_atomic {
            return Err(ApiError::new(400, 10174, "atomic publish is disabled"));
        }
        if id.len() > MAX_BATCH_ID_LEN {
            return Err(ApiError::new(400, 10179, "atomic publish batch ID is invalid"));
        }
        let Some(seq) = headers::get(&h, "Nats-Batch-Sequence").and_then(|v| v.parse::<u64>().ok()) else {
            return Err(ApiError::new(400, 10175, "atomic publish sequence is missing"));
        };
        let commit = headers::get(&h, "Nats-Batch-Commit").map(str::to_string);
        let eob = commit.as_deref() == Some("eob");
        let now = engine.now();
        wire(self).batches.expire(now);
        let incomplete = || ApiError::new(400, 10176, "atomic publish batch is incomplete");
        let too_large = || ApiError::new(400, 10199, format!("atomic publish batch is too large: {MAX_BATCH_SIZE}"));
        let size = if eob { seq.saturating_sub(1) } else { seq };
        let key = (stream.to_string(), id.to_string());
        if !wire(self).batches.open.contains_key(&key) {
            if seq != 1 {
                return Err(if size > MAX_BATCH_SIZE { too_large() } else { incomplete() });
            }
            if wire(self).batches.open.keys().filter(|(s, _)| s == stream).count() >= MAX_INFLIGHT_PER_STREAM {
                return Err(ApiError::new(429, 10210, "atomic publish too many inflight"));
            }
            wire(self).batches.open.insert(key.clone(), Batch { msgs: Vec::new(), last: 0, touched: now });
        }
        if commit.as_deref().is_some_and(|c| c != "1" && c != "eob") {
            wire(self).batches.open.remove(&key);
            return Err(ApiError::new(400, 10200, "atomic publish batch commit is invalid"));
        }
        // A message may require an API level: the batch is abandoned if it is too high; the header is not stored.
        if super::headers_require_higher_level(&h) {
            wire(self).batches.open.remove(&key);
            return Err(ApiError::new(412, 10185, "JetStream minimum api level required"));
        }
        let mut h = h;
        h.retain(|(k, _)| !k.eq_ignore_ascii_case("Nats-Required-Api-Level"));
        let b = wire(self).batches.open.get_mut(&key).expect("the batch made above");
        b.last += 1;
        b.touched = now;
        if b.last != seq || (seq == 1 && eob) {
            wire(self).batches.open.remove(&key);
            return Err(incomplete());
        }
        if size > MAX_BATCH_SIZE {
            wire(self).batches.open.remove(&key);
            return Err(too_large());
        }
        if !eob {
            b.msgs.push((subject.to_string(), h, payload.to_vec()));
        }
        if commit.is_none() {
            return Ok(None);
        }
        let mut msgs = wire(self).batches.open.remove(&key).map(|b| b.msgs).unwrap_or_default();
        // The last message stored says it committed the batch, as nats-server's does after an end-of-batch.
        if eob {
            if let Some((_, h, _)) = msgs.last_mut() {
                h.push(("Nats-Batch-Commit".into(), "1".into()));
            }
        }
        Ok(Some(msgs))
    }

    /// Stores a committed batch, all or nothing: the last sequence, the batch's size, and what storing it
    /// republished.
    fn commit(&mut self, engine: &mut Engine, stream: &str, msgs: Staged) -> Result<(u64, u64, Vec<Out>), ApiError> {
        let now = engine.now();
        let mut copy = engine.stream_named(stream).ok_or_else(ApiError::stream_not_found)?.clone();
        let mut ids = HashSet::new();
        let mut written: HashSet<&str> = HashSet::new();
        for (i, (subject, h, data)) in msgs.iter().enumerate() {
            // Expectations hold for the batch as a whole: only its first message may expect the stream's last
            // sequence, and none may expect a subject's that an earlier one in the batch wrote.
            let constant = || ApiError::new(400, 10164, "wrong last sequence");
            let last = copy.state().last_seq;
            if i > 0
                && headers::get(h, "Nats-Expected-Last-Sequence").and_then(|v| v.trim().parse::<u64>().ok())
                    == Some(last)
            {
                return Err(constant());
            }
            if headers::get(h, "Nats-Expected-Last-Subject-Sequence").is_some() {
                let on = headers::get(h, "Nats-Expected-Last-Subject-Sequence-Subject").filter(|s| !s.is_empty());
                if written.contains(on.unwrap_or(subject)) {
                    return Err(constant());
                }
            }
            written.insert(subject);
            if headers::get(h, "Nats-Expected-Last-Msg-Id").is_some() {
                return Err(ApiError::new(
                    400,
                    10177,
                    "atomic publish unsupported header used: Nats-Expected-Last-Msg-Id",
                ));
            }
            let duplicate = || ApiError::new(400, 10201, "atomic publish batch contains duplicate message id");
            let (body, h) = match self.precheck(&copy, subject, h, data, now)? {
                Checked::Duplicate(_) => return Err(duplicate()),
                Checked::Store { body, msg_id, rollup_sub } => {
                    if msg_id.is_some_and(|i| !ids.insert(i)) {
                        return Err(duplicate());
                    }
                    let mut h = h.clone();
                    if rollup_sub {
                        h.push((headers::ROLLUP.to_string(), "sub".to_string()));
                    }
                    (body, h)
                }
            };
            let stored = copy
                .config
                .subject_transform
                .as_ref()
                .and_then(|t| StreamSource::transformed(t, subject))
                .unwrap_or_else(|| subject.clone());
            copy.publish(&stored, h, body, now)?;
        }
        let count = msgs.len() as u64;
        let mut outs = Vec::new();
        let mut last = 0;
        for (subject, h, data) in msgs {
            let (result, more) = self.publish_typed(engine, stream, &subject, h, &data);
            outs.extend(more);
            last = result?.0;
        }
        Ok((last, count, outs))
    }
}
