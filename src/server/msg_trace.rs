//! Message tracing (`Nats-Trace-Dest`, nats-server 2.11): a message a client publishes with that header is
//! followed by a trace event on the subject the header names, in nats-server's JSON: where the message came in,
//! each subscription it went out to, the stream that stored it. With `Nats-Trace-Only: true` the message is
//! traced and neither delivered nor stored (a request traced so gets no answer); a stream stores a traced
//! message with its trace turned off (`Nats-Trace-Dest: trace disabled`), as nats-server does.

use serde::Serialize;

use super::api::{go_json, SERVER_VERSION};
use super::jetstream::{encode_headers, parse_headers};
use super::{ConnId, Server};
use crate::engine::headers;
use crate::engine::time::rfc3339_nanos;
use crate::engine::Engine;

/// The header that asks for a trace, and the value nats-server gives it where tracing is turned off.
const DEST: &str = "Nats-Trace-Dest";
const DISABLED: &str = "trace disabled";

#[derive(Serialize)]
struct TraceEvent<'a> {
    server: ServerJson<'a>,
    request: Request,
    events: Vec<Event>,
}

#[derive(Serialize)]
struct ServerJson<'a> {
    name: &'a str,
    host: &'a str,
    id: &'a str,
    ver: &'a str,
    feature_flags: FeatureFlags,
    jetstream: bool,
    flags: u8,
    seq: u64,
    time: String,
}

/// The feature flags nats-server 2.15.1 reports in its events.
#[derive(Serialize)]
struct FeatureFlags {
    js_ack_fc_v2: bool,
    js_api_reply_v2: bool,
    js_raft_delete_range: bool,
    js_snapshot_sources: bool,
}

#[derive(Serialize)]
struct Request {
    /// The message's headers, each name with its values (names as the client wrote them).
    header: serde_json::Map<String, serde_json::Value>,
    msgsize: usize,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Event {
    #[serde(rename = "in")]
    In { ts: String, kind: u8, cid: ConnId, acc: &'static str, subj: String },
    #[serde(rename = "eg")]
    Egress {
        ts: String,
        kind: u8,
        cid: ConnId,
        sub: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        queue: Option<String>,
    },
    #[serde(rename = "js")]
    JetStream { ts: String, stream: String, subject: String },
}

impl Server {
    /// Publishes a client's message that asks for a trace, and sends the trace; false (and nothing done) when
    /// its headers ask for none.
    pub(super) fn traced_publish(
        &mut self,
        engine: &mut Engine,
        conn: ConnId,
        subject: &str,
        reply: Option<&str>,
        raw: &[u8],
        payload: &[u8],
    ) -> bool {
        let h = parse_headers(Some(raw));
        let Some(dest) = headers::get(&h, DEST).filter(|d| !d.is_empty() && *d != DISABLED) else { return false };
        let dest = dest.to_string();
        let only = headers::get(&h, "Nats-Trace-Only")
            .is_some_and(|v| matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True"));
        let ts = rfc3339_nanos(engine.now());
        let mut events = vec![Event::In { ts: ts.clone(), kind: 0, cid: conn, acc: "$G", subj: subject.to_string() }];
        // The subscriptions the message goes to, queue members picked as the delivery will pick them.
        let rng = self.rng;
        let targets = self.targets(Some(conn), subject);
        self.rng = rng;
        for (c, sid) in targets {
            let Some(s) = self.conns.get(&c).and_then(|x| x.subs.get(&sid)) else { continue };
            let (sub, queue) = (s.subject.clone(), s.queue.clone());
            events.push(Event::Egress { ts: ts.clone(), kind: 0, cid: c, sub, queue });
        }
        if self.jetstream_on() {
            if let Some(stream) = self.js.capture(engine, subject) {
                events.push(Event::JetStream { ts: ts.clone(), stream, subject: subject.to_string() });
            }
        }
        if !only {
            // A stream stores the message with its trace turned off, so that its deliveries are not traced.
            let mut stored = h.clone();
            for (k, v) in stored.iter_mut() {
                if k.eq_ignore_ascii_case(DEST) {
                    *v = DISABLED.to_string();
                }
            }
            self.traced_store_headers = encode_headers(&stored);
            self.publish(engine, Some(conn), subject, reply, Some(raw), payload);
            self.traced_store_headers = None;
        }
        let mut header = serde_json::Map::new();
        for (k, v) in &h {
            let values = header.entry(k.clone()).or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(a) = values {
                a.push(serde_json::Value::String(v.clone()));
            }
        }
        self.trace_seq += 1;
        let event = TraceEvent {
            server: ServerJson {
                name: &self.opts.server_name,
                host: &self.opts.host,
                id: &self.opts.server_id,
                ver: SERVER_VERSION,
                feature_flags: FeatureFlags {
                    js_ack_fc_v2: false,
                    js_api_reply_v2: false,
                    js_raft_delete_range: true,
                    js_snapshot_sources: false,
                },
                jetstream: self.opts.jetstream,
                flags: 7,
                seq: self.trace_seq,
                time: rfc3339_nanos(engine.now()),
            },
            request: Request { header, msgsize: raw.len() + payload.len() },
            events,
        };
        let body = go_json(&event);
        // nats-server sends it with an empty reply subject (`MSG traces 2  711`).
        self.route(None, &dest, Some(""), None, &body);
        true
    }
}
