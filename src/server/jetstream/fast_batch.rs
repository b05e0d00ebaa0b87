//! Fast batch publishing (`allow_batched`, nats-server 2.14): a publish whose reply subject ends
//! `<id>.<flow>.<gap mode>.<batch seq>.<op>.$FI` is stored at once, in batch order, and the server answers on that
//! reply with flow messages (`{"type":"ack"}` every so many messages, `"gap"` for a missing batch sequence,
//! `"err"` for a message it refused) and, when the batch commits (or ends at a gap it may not skip), one PubAck
//! with the batch's id and size. Reached only through `features.rs`: no client in process publishes this way.
//! Every message is stored before the next is read, so nothing is ever pending between the two (nats-server's
//! replicated case).

use std::collections::HashMap;

use super::{headers_require_higher_level, JetStream, Out};
use crate::engine::headers::Headers;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::{ApiError, Engine, Nanos};
use crate::server::api::{ApiErrorJson, PubAckJson};

/// nats-server's limits: batches open at once on a stream and on the server, how long a batch waits for its
/// next message, and its batch id's length.
const MAX_INFLIGHT_PER_STREAM: usize = 1000;
const MAX_INFLIGHT_TOTAL: usize = 50_000;
const TIMEOUT: Nanos = 10 * NANOS_PER_SEC;
const MAX_ID_LEN: usize = 64;
/// The most messages between two flow acknowledgements the server allows one publisher.
const MAX_ACK_MESSAGES: u16 = 500;

/// The fast batches open, by stream and batch id.
#[derive(Default)]
pub struct FastBatches {
    open: HashMap<(String, String), Fast>,
}

impl FastBatches {
    /// Forgets a stream's batches (deleted, or no longer taking fast batches).
    pub fn drop_stream(&mut self, stream: &str) {
        self.open.retain(|(s, _), _| s != stream);
    }

    fn on_stream(&self, stream: &str) -> usize {
        self.open.keys().filter(|(s, _)| s == stream).count()
    }
}

struct Fast {
    /// The highest batch sequence received, and the highest stored.
    last: u64,
    stored: u64,
    /// The stream sequence of the batch's last stored message.
    stream_seq: u64,
    /// The batch sequence the last flow acknowledgement named.
    flowed: u64,
    /// A flow acknowledgement every this many messages, up to what the publisher allows.
    ack_every: u16,
    max_ack_every: u16,
    gap_ok: bool,
    touched: Nanos,
}

/// What a publish's reply subject says about its batch.
#[derive(Debug, PartialEq)]
struct Said<'a> {
    id: &'a str,
    flow: u16,
    gap_ok: bool,
    seq: u64,
    op: u8,
}

const START: u8 = 0;
const APPEND: u8 = 1;
const COMMIT: u8 = 2;
const COMMIT_EOB: u8 = 3;
const PING: u8 = 4;

/// Whether a publish's reply subject makes it part of a fast batch.
pub fn is_fast(reply: Option<&str>) -> bool {
    reply.is_some_and(|r| r.len() > 4 && r.ends_with(".$FI"))
}

/// Reads `<prefix>.<id>.<flow>.<gap>.<seq>.<op>.$FI` as nats-server does; `None` when the pattern is invalid.
fn read(reply: &str) -> Option<Said<'_>> {
    let mut t = reply.strip_suffix(".$FI")?.rsplitn(6, '.');
    let digits = |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u64>().ok());
    let op = digits(t.next()?)?.filter(|op| *op <= u64::from(PING))? as u8;
    let seq = digits(t.next()?).flatten().filter(|s| *s != 0 && *s != u64::MAX)?;
    if (seq == 1 && op == COMMIT_EOB) || (op == START && seq != 1) || (op == APPEND && seq <= 1) {
        return None;
    }
    let gap_ok = match t.next()? {
        "ok" => true,
        "fail" => false,
        _ => return None,
    };
    let flow = match digits(t.next()?) {
        Some(Some(0)) | None => 10,
        Some(Some(n)) => n.min(u64::from(u16::MAX)) as u16,
        // Too many digits for a number: the most there is.
        Some(None) => u16::MAX,
    };
    let id = t.next()?;
    // The prefix before the id must be there.
    t.next()?;
    Some(Said { id, flow, gap_ok, seq, op })
}

fn flow_ack(reply: &str, seq: u64, msgs: u16) -> Out {
    Out::raw(reply, format!("{{\"type\":\"ack\",\"seq\":{seq},\"msgs\":{msgs}}}").into_bytes())
}

fn flow_gap(reply: &str, last_seq: u64, seq: u64) -> Out {
    Out::raw(reply, format!("{{\"type\":\"gap\",\"last_seq\":{last_seq},\"seq\":{seq}}}").into_bytes())
}

fn flow_err(reply: &str, seq: u64, e: &ApiError) -> Out {
    let error = serde_json::to_string(&ApiErrorJson::from(e)).unwrap_or_default();
    Out::raw(reply, format!("{{\"type\":\"err\",\"seq\":{seq},\"error\":{error}}}").into_bytes())
}

/// The batch's PubAck: its last stored message, its id and how many messages it counted.
fn pub_ack(reply: &str, stream: &str, seq: u64, id: &str, count: u64) -> Out {
    let ack = PubAckJson {
        error: None,
        stream: stream.into(),
        seq,
        duplicate: false,
        val: None,
        batch: Some(id.into()),
        count: Some(count),
    };
    Out::raw(reply, ack.to_wire())
}

/// A refusal as a PubAck with an error.
fn refusal(reply: &str, stream: &str, e: &ApiError) -> Out {
    Out::raw(reply, PubAckJson::refused(stream, e).to_wire())
}

impl Fast {
    /// Sends a flow acknowledgement when enough messages were stored since the last, speeding the publisher up
    /// (or slowing it down when other batches share the stream); whether it sent one.
    fn flow(&mut self, reply: &str, batches_on_stream: usize, outs: &mut Vec<Out>) -> bool {
        let every = u64::from(self.ack_every);
        if self.stored < self.flowed + every {
            return false;
        }
        self.flowed += (self.stored - self.flowed) / every * every;
        let most = ((usize::from(MAX_ACK_MESSAGES) / batches_on_stream.max(1)).max(1) as u16).min(self.max_ack_every);
        if self.ack_every < most {
            self.ack_every = (self.ack_every * 2).min(most);
        } else if self.ack_every > most {
            self.ack_every = (self.ack_every / 2).max(most);
        }
        outs.push(flow_ack(reply, self.flowed, self.ack_every));
        true
    }
}

/// A publish into a fast batch on `stream`, with nats-server's answers in its order.
pub fn publish(
    js: &mut JetStream,
    engine: &mut Engine,
    stream: &str,
    subject: &str,
    reply: &str,
    mut h: Headers,
    payload: &[u8],
) -> Vec<Out> {
    let Some(s) = engine.stream_named(stream) else { return Vec::new() };
    let can_respond = !s.config.no_ack;
    let refuse = |e: ApiError| if can_respond { vec![refusal(reply, stream, &e)] } else { Vec::new() };
    if s.config.sealed {
        return refuse(ApiError::stream_sealed());
    }
    let max = i64::from(s.config.max_msg_size);
    let hdr_len = super::encode_headers(&h).map_or(0, |b| b.len()) as i64;
    if max >= 0 && (hdr_len > max || payload.len() as i64 > max - hdr_len) {
        return refuse(ApiError::new(400, 10054, "message size exceeds maximum allowed"));
    }
    if !s.config.allow_batched {
        return refuse(ApiError::new(400, 10205, "batch publish is disabled"));
    }
    let Some(said) = read(reply) else {
        return refuse(ApiError::new(400, 10206, "batch publish pattern is invalid"));
    };
    if said.id.len() > MAX_ID_LEN {
        return refuse(ApiError::new(400, 10207, "batch publish ID is invalid"));
    }
    let now = engine.now();
    let batches = &mut crate::server::features::wire(js).fast_batches;
    batches.open.retain(|_, b| now - b.touched <= TIMEOUT);
    let key = (stream.to_string(), said.id.to_string());
    if !batches.open.contains_key(&key) {
        if said.seq != 1 {
            return refuse(ApiError::new(400, 10208, "batch publish ID unknown"));
        }
        let on_stream = batches.on_stream(stream);
        if on_stream >= MAX_INFLIGHT_PER_STREAM || batches.open.len() >= MAX_INFLIGHT_TOTAL {
            return refuse(ApiError::new(429, 10211, "batch publish too many inflight"));
        }
        // Alone on the stream, a publisher gets what it asks for; beside others it starts slow.
        let ack_every = if on_stream > 0 { 1 } else { said.flow.min(MAX_ACK_MESSAGES) };
        let fast = Fast {
            last: 0,
            stored: 0,
            stream_seq: 0,
            flowed: 0,
            ack_every,
            max_ack_every: said.flow,
            gap_ok: said.gap_ok,
            touched: now,
        };
        batches.open.insert(key.clone(), fast);
    }
    if headers_require_higher_level(&h) {
        batches.open.remove(&key);
        return refuse(ApiError::new(412, 10185, "JetStream minimum api level required"));
    }
    h.retain(|(k, _)| !k.eq_ignore_ascii_case("Nats-Required-Api-Level"));
    let on_stream = batches.on_stream(stream);
    let b = batches.open.get_mut(&key).expect("the batch is open");
    b.touched = now;
    let mut outs = Vec::new();
    // Ends the batch: its PubAck names the last stored message.
    let commit = |b: &Fast, outs: &mut Vec<Out>| outs.push(pub_ack(reply, stream, b.stream_seq, said.id, b.last));
    if said.op == PING {
        if said.seq > b.last {
            outs.push(flow_gap(reply, b.last + 1, said.seq + 1));
            if !b.gap_ok {
                commit(b, &mut outs);
                batches.open.remove(&key);
                return outs;
            }
            b.last = said.seq;
            b.stored = b.last;
            if b.flow(reply, on_stream, &mut outs) {
                return outs;
            }
        }
        outs.push(flow_ack(reply, b.flowed, b.ack_every));
        return outs;
    }
    b.last += 1;
    if b.last != said.seq {
        if said.seq > b.last {
            outs.push(flow_gap(reply, b.last, said.seq));
        }
        if b.gap_ok && said.seq > b.last {
            b.last = said.seq;
        } else {
            b.last -= 1;
            commit(b, &mut outs);
            batches.open.remove(&key);
            return outs;
        }
    }
    if said.op == COMMIT_EOB {
        b.last -= 1;
        commit(b, &mut outs);
        batches.open.remove(&key);
        return outs;
    }
    let committing = said.op == COMMIT;
    if said.seq == 1 && can_respond && !committing {
        outs.push(flow_ack(reply, 0, b.ack_every));
    }
    let (result, more) = js.publish_typed(engine, stream, subject, h, payload);
    outs.extend(more);
    let batches = &mut crate::server::features::wire(js).fast_batches;
    let Some(b) = batches.open.get_mut(&key) else { return outs };
    match result {
        Ok((seq, false)) => {
            b.stream_seq = seq;
            b.stored = b.last;
            if committing {
                if can_respond {
                    commit(b, &mut outs);
                }
                batches.open.remove(&key);
            } else {
                b.flow(reply, on_stream, &mut outs);
            }
        }
        Ok((seq, true)) => {
            // A duplicate is skipped, unless it ends the batch.
            b.stored = said.seq;
            b.flow(reply, on_stream, &mut outs);
            if !committing {
                return outs;
            }
            if !b.gap_ok && b.last == 1 {
                let dup = format!(
                    "{{\"stream\":{},\"seq\":{seq},\"duplicate\": true,\"batch\":{},\"count\":{}}}",
                    serde_json::to_string(stream).unwrap_or_default(),
                    serde_json::to_string(said.id).unwrap_or_default(),
                    said.seq
                );
                outs.push(Out::raw(reply, dup.into_bytes()));
            } else {
                commit(b, &mut outs);
            }
            batches.open.remove(&key);
        }
        Err(e) => {
            if !b.gap_ok && b.last == 1 {
                outs.push(refusal(reply, stream, &e));
                batches.open.remove(&key);
                return outs;
            }
            outs.push(flow_err(reply, said.seq, &e));
            if b.gap_ok && !committing {
                return outs;
            }
            b.last -= 1;
            b.stored = b.last;
            commit(b, &mut outs);
            batches.open.remove(&key);
        }
    }
    outs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_subject_reads_as_nats_server_reads_it() {
        let said = read("_INBOX.x.b1.100.fail.1.0.$FI").expect("a start");
        assert_eq!(said, Said { id: "b1", flow: 100, gap_ok: false, seq: 1, op: START });
        assert_eq!(read("p.b.0.ok.2.1.$FI").map(|s| (s.flow, s.gap_ok)), Some((10, true)));
        assert_eq!(read("p.b.x.ok.2.1.$FI").map(|s| s.flow), Some(10));
        assert_eq!(read("p.b.99999999.ok.2.1.$FI").map(|s| s.flow), Some(u16::MAX));
        for bad in [
            "p.b.10.fail.2.0.$FI",  // a start that is not first
            "p.b.10.fail.1.1.$FI",  // an append that is
            "p.b.10.fail.1.3.$FI",  // an end of batch with nothing before it
            "p.b.10.fail.0.2.$FI",  // sequence 0
            "p.b.10.maybe.2.2.$FI", // no such gap mode
            "p.b.10.fail.2.5.$FI",  // no such operation
            "b.10.fail.2.2.$FI",    // no prefix
            "x.$FI",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
        assert!(is_fast(Some("a.$FI")) && !is_fast(Some(".$FI")) && !is_fast(Some("a.FI")) && !is_fast(None));
    }
}
