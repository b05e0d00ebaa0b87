//! Unit tests of the server core: protocol bytes in, protocol bytes out, on a clock the tests move.

use super::*;
use crate::engine::time::NANOS_PER_SEC;

const T0: Nanos = 1_700_000_000 * NANOS_PER_SEC;

fn server() -> Standalone {
    Standalone::new(ServerOptions::default(), Engine::new(T0))
}

fn out(s: &mut Standalone, c: ConnId) -> String {
    s.poll_transmit(c).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// A connected client (INFO read, CONNECT sent with headers and no_responders).
fn client(s: &mut Standalone, extra: &str) -> ConnId {
    let c = s.accept("127.0.0.1");
    let info = out(s, c);
    assert!(info.starts_with("INFO {"), "{info}");
    s.handle_bytes(
        c,
        format!("CONNECT {{\"verbose\":false,\"headers\":true,\"no_responders\":true{extra}}}\r\nPING\r\n").as_bytes(),
    );
    assert!(out(s, c).ends_with("PONG\r\n"));
    c
}

fn send(s: &mut Standalone, c: ConnId, wire: &str) {
    s.handle_bytes(c, wire.as_bytes());
}

/// An HPUB with its sizes counted.
fn hpub(s: &mut Standalone, c: ConnId, subject: &str, reply: &str, headers: &[(&str, &str)], body: &str) {
    let mut h = String::from("NATS/1.0\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    send(s, c, &format!("HPUB {subject} {reply} {} {}\r\n{h}{body}\r\n", h.len(), h.len() + body.len()));
}

fn publish(s: &mut Standalone, c: ConnId, subject: &str, reply: &str, body: &str) {
    send(s, c, &format!("PUB {subject} {reply} {}\r\n{body}\r\n", body.len()));
}

/// The JSON payloads of the MSGs in an output, in order.
fn payloads(o: &str) -> Vec<serde_json::Value> {
    o.split("\r\n").filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[test]
fn info_says_what_clients_need() {
    let mut s = server();
    let c = s.accept("127.0.0.1");
    let info = out(&mut s, c);
    let v: serde_json::Value = serde_json::from_str(info.trim_start_matches("INFO ").trim()).unwrap();
    assert_eq!(v["headers"], true);
    assert_eq!(v["jetstream"], true);
    assert_eq!(v["max_payload"], 1048576);
    assert_eq!(v["proto"], 1);
    assert_eq!(v["version"], "2.15.1");
    assert!(v.get("auth_required").is_none());
}

#[test]
fn subjects_route_with_wildcards_queues_and_limits() {
    let mut s = server();
    let (a, b, c) = (client(&mut s, ""), client(&mut s, ""), client(&mut s, ""));
    send(&mut s, a, "SUB orders.* 1\r\nSUB orders.> 2\r\n");
    send(&mut s, b, "SUB orders.eu.paris 5\r\nSUB work q 6\r\n");
    send(&mut s, c, "SUB work q 7\r\nSUB once 8\r\nUNSUB 8 2\r\n");
    publish(&mut s, c, "orders.eu", "", "x");
    assert_eq!(out(&mut s, a), "MSG orders.eu 1 1\r\nx\r\nMSG orders.eu 2 1\r\nx\r\n");
    publish(&mut s, c, "orders.eu.paris", "", "yy");
    assert_eq!(out(&mut s, a), "MSG orders.eu.paris 2 2\r\nyy\r\n");
    assert_eq!(out(&mut s, b), "MSG orders.eu.paris 5 2\r\nyy\r\n");
    // A queue group gets each message once, across its members.
    for _ in 0..20 {
        publish(&mut s, a, "work", "", "w");
    }
    let (nb, nc) = (out(&mut s, b).matches("MSG work").count(), out(&mut s, c).matches("MSG work").count());
    assert_eq!(nb + nc, 20);
    assert!(nb > 0 && nc > 0, "both members get work: {nb} {nc}");
    // UNSUB with a maximum ends the subscription after that many.
    for _ in 0..3 {
        publish(&mut s, a, "once", "", "o");
    }
    assert_eq!(out(&mut s, c).matches("MSG once 8").count(), 2);
}

#[test]
fn echo_verbose_and_pedantic() {
    let mut s = server();
    let a = client(&mut s, ",\"echo\":false,\"verbose\":true,\"pedantic\":true");
    send(&mut s, a, "SUB me 1\r\n");
    assert_eq!(out(&mut s, a), "+OK\r\n");
    publish(&mut s, a, "me", "", "hi");
    assert_eq!(out(&mut s, a), "+OK\r\n", "no echo of its own message");
    publish(&mut s, a, "bad.*", "", "hi");
    assert_eq!(out(&mut s, a), "-ERR 'Invalid Publish Subject'\r\n");
    send(&mut s, a, "SUB bad..subject 2\r\n");
    assert_eq!(out(&mut s, a), "-ERR 'Invalid Subject'\r\n");
    assert!(!s.is_closing(a), "those errors do not close the connection");
}

#[test]
fn requests_get_replies_or_no_responders() {
    let mut s = server();
    let (svc, req) = (client(&mut s, ""), client(&mut s, ""));
    send(&mut s, svc, "SUB help 1\r\n");
    send(&mut s, req, "SUB _INBOX.r.* 9\r\n");
    publish(&mut s, req, "help", "_INBOX.r.1", "?");
    assert_eq!(out(&mut s, svc), "MSG help 1 _INBOX.r.1 1\r\n?\r\n");
    publish(&mut s, svc, "_INBOX.r.1", "", "!");
    assert_eq!(out(&mut s, req), "MSG _INBOX.r.1 9 1\r\n!\r\n");
    publish(&mut s, req, "nobody", "_INBOX.r.2", "?");
    assert_eq!(out(&mut s, req), "HMSG _INBOX.r.2 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
}

#[test]
fn authentication_refuses_and_closes() {
    let opts =
        ServerOptions { auth: Auth::UserPass { user: "u".into(), pass: "p".into() }, ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    let c = s.accept("127.0.0.1");
    assert!(out(&mut s, c).contains("\"auth_required\":true"));
    send(&mut s, c, "CONNECT {\"user\":\"u\",\"pass\":\"wrong\"}\r\nPING\r\n");
    assert_eq!(out(&mut s, c), "-ERR 'Authorization Violation'\r\n");
    assert!(s.is_closing(c));
    let c = s.accept("127.0.0.1");
    out(&mut s, c);
    send(&mut s, c, "SUB x 1\r\n");
    assert_eq!(out(&mut s, c), "-ERR 'Authorization Violation'\r\n", "nothing before CONNECT");
    let c = s.accept("127.0.0.1");
    out(&mut s, c);
    send(&mut s, c, "CONNECT {\"user\":\"u\",\"pass\":\"p\"}\r\nPING\r\n");
    assert_eq!(out(&mut s, c), "PONG\r\n");
    let opts = ServerOptions { auth: Auth::Token("t0k".into()), ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    let c = s.accept("127.0.0.1");
    out(&mut s, c);
    send(&mut s, c, "CONNECT {\"auth_token\":\"t0k\"}\r\nPING\r\n");
    assert_eq!(out(&mut s, c), "PONG\r\n");
}

#[test]
fn protocol_violations_close_only_that_connection() {
    let mut s = server();
    let (good, bad) = (client(&mut s, ""), client(&mut s, ""));
    send(&mut s, good, "SUB x 1\r\n");
    send(&mut s, bad, "PUB x 2000000\r\n");
    assert_eq!(out(&mut s, bad), "-ERR 'Maximum Payload Violation'\r\n");
    assert!(s.is_closing(bad));
    let bad2 = client(&mut s, "");
    send(&mut s, bad2, "HELLO world\r\n");
    assert_eq!(out(&mut s, bad2), "-ERR 'Unknown Protocol Operation'\r\n");
    send(&mut s, bad2, "PUB x 1\r\nz\r\n");
    assert_eq!(out(&mut s, good), "", "a closing connection publishes nothing more");
    publish(&mut s, good, "x", "", "still here");
    assert_eq!(out(&mut s, good), "MSG x 1 10\r\nstill here\r\n");
}

/// Creates a KV-shaped stream through the API, as nats-py does.
fn kv_stream(s: &mut Standalone, c: ConnId, bucket: &str, extra: &str) -> serde_json::Value {
    send(s, c, "SUB _INBOX.api.* 99\r\n");
    let body = format!(
        "{{\"name\":\"KV_{bucket}\",\"subjects\":[\"$KV.{bucket}.>\"],\"max_msgs_per_subject\":5,\"discard\":\"new\",\"allow_rollup_hdrs\":true,\"deny_delete\":true{extra}}}"
    );
    publish(s, c, &format!("$JS.API.STREAM.CREATE.KV_{bucket}"), "_INBOX.api.1", &body);
    payloads(&out(s, c)).pop().expect("a response")
}

#[test]
fn streams_are_created_published_to_and_read_through_the_api() {
    let mut s = server();
    let c = client(&mut s, "");
    let created = kv_stream(&mut s, c, "demo", ",\"allow_direct\":true");
    assert_eq!(created["type"], "io.nats.jetstream.api.v1.stream_create_response");
    assert_eq!(created["did_create"], true);
    assert_eq!(created["config"]["max_msgs_per_subject"], 5);
    let again = kv_stream(&mut s, c, "demo", ",\"allow_direct\":true");
    assert!(again.get("did_create").is_none() && again.get("error").is_none(), "the same config again is fine");
    let other = kv_stream(&mut s, c, "demo", "");
    assert_eq!(other["error"]["err_code"], 10058);
    publish(&mut s, c, "$KV.demo.k", "_INBOX.api.2", "v1");
    assert_eq!(out(&mut s, c), "MSG _INBOX.api.2 99 28\r\n{\"stream\":\"KV_demo\",\"seq\":1}\r\n");
    hpub(&mut s, c, "$KV.demo.k", "_INBOX.api.3", &[("Nats-Expected-Last-Subject-Sequence", "0")], "x");
    let ack = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!(ack["error"]["description"], "wrong last sequence: 1");
    assert_eq!(ack["seq"], 0);
    hpub(&mut s, c, "$KV.demo.d", "_INBOX.api.4", &[("Nats-Msg-Id", "m")], "x");
    hpub(&mut s, c, "$KV.demo.d", "_INBOX.api.5", &[("Nats-Msg-Id", "m")], "x");
    let o = out(&mut s, c);
    assert!(o.ends_with("{\"stream\":\"KV_demo\",\"seq\":2,\"duplicate\": true}\r\n"), "{o}");
    // Direct get, both forms; a missing subject is a 404 status.
    publish(&mut s, c, "$JS.API.DIRECT.GET.KV_demo.$KV.demo.k", "_INBOX.api.6", "");
    let o = out(&mut s, c);
    assert!(
        o.contains("Nats-Stream: KV_demo\r\nNats-Subject: $KV.demo.k\r\nNats-Sequence: 1\r\nNats-Time-Stamp: "),
        "{o}"
    );
    assert!(o.ends_with("\r\n\r\nv1\r\n"));
    publish(&mut s, c, "$JS.API.DIRECT.GET.KV_demo", "_INBOX.api.7", "{\"last_by_subj\":\"$KV.demo.none\"}");
    assert_eq!(out(&mut s, c), "HMSG _INBOX.api.7 99 34 34\r\nNATS/1.0 404 Message Not Found\r\n\r\n\r\n");
    publish(&mut s, c, "$JS.API.STREAM.MSG.GET.KV_demo", "_INBOX.api.8", "{\"seq\":1}");
    let m = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!(m["message"]["data"], "djE=");
    publish(&mut s, c, "$JS.API.STREAM.INFO.KV_demo", "_INBOX.api.9", "");
    let info = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!((info["state"]["messages"].as_u64(), info["state"]["num_subjects"].as_u64()), (Some(2), Some(2)));
    assert_eq!(info["cluster"]["leader"], crate::backend::EMBEDDED_SERVER_ID);
    publish(&mut s, c, "$JS.API.STREAM.PURGE.KV_demo", "_INBOX.api.10", "{\"filter\":\"$KV.demo.k\",\"keep\":0}");
    assert_eq!(payloads(&out(&mut s, c)).pop().unwrap()["purged"], 1);
    publish(&mut s, c, "$JS.API.STREAM.NAMES", "_INBOX.api.11", "{\"subject\":\"$KV.demo.>\"}");
    assert_eq!(payloads(&out(&mut s, c)).pop().unwrap()["streams"], serde_json::json!(["KV_demo"]));
    publish(&mut s, c, "$JS.API.STREAM.INFO.NOPE", "_INBOX.api.12", "");
    let e = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!((e["error"]["code"].as_u64(), e["error"]["err_code"].as_u64()), (Some(404), Some(10059)));
    publish(&mut s, c, "$JS.API.STREAM.CREATE.KV_x", "_INBOX.api.13", "not json");
    assert_eq!(payloads(&out(&mut s, c)).pop().unwrap()["error"]["err_code"], 10025);
    // The terminal's view is the same engine.
    assert_eq!(s.engine().bucket_names(), vec!["demo".to_string()]);
    assert_eq!(s.engine().get("demo", "d").map(|e| e.revision), Ok(2));
}

#[test]
fn api_calls_the_playground_lacks_are_answered_plainly() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "b", "");
    publish(&mut s, c, "$JS.API.CONSUMER.MSG.NEXT.KV_b.x", "_INBOX.api.2", "{\"batch\":1}");
    let e = payloads(&out(&mut s, c)).pop().unwrap();
    assert!(e["error"]["description"].as_str().unwrap().contains("not supported"), "{e}");
    // What nats-server itself does not answer stays unanswered: the requester hears "no responders".
    publish(&mut s, c, "$JS.API.NO.SUCH.THING", "_INBOX.api.3", "");
    assert_eq!(out(&mut s, c), "HMSG _INBOX.api.3 99 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
    // A stream without direct gets has no responder for them.
    publish(&mut s, c, "$JS.API.DIRECT.GET.KV_b.$KV.b.k", "_INBOX.api.4", "");
    assert_eq!(out(&mut s, c), "HMSG _INBOX.api.4 99 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
}

fn consumer(s: &mut Standalone, c: ConnId, subject: &str, config: &str) -> serde_json::Value {
    let stream = subject.split('.').nth(4).unwrap_or_default();
    publish(s, c, subject, "_INBOX.api.c", &format!("{{\"stream_name\":\"{stream}\",\"config\":{config}}}"));
    payloads(&out(s, c)).pop().expect("consumer response")
}

#[test]
fn push_consumers_deliver_as_kv_watchers_expect() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "w", "");
    publish(&mut s, c, "$KV.w.a", "", "1");
    hpub(&mut s, c, "$KV.w.a", "", &[("KV-Operation", "DEL")], "");
    publish(&mut s, c, "$KV.w.b", "", "22");
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_w",
        "{\"deliver_policy\":\"last_per_subject\",\"ack_policy\":\"none\",\"filter_subject\":\"$KV.w.>\",\"headers_only\":true,\"flow_control\":true,\"idle_heartbeat\":5000000000,\"deliver_subject\":\"_INBOX.d1\"}",
    );
    assert_eq!(info["num_pending"], 2);
    assert_eq!(info["delivered"]["stream_seq"], 1, "just before the first due");
    let name = info["name"].as_str().unwrap().to_string();
    assert_eq!(name.len(), 8);
    // Nothing is delivered until someone listens on the deliver subject.
    send(&mut s, c, "SUB _INBOX.d1 3\r\n");
    let o = out(&mut s, c);
    let ts_a = s.engine().bucket_stream("w").unwrap().get(2).unwrap().time;
    assert!(o.starts_with(&format!("HMSG $KV.w.a 3 $JS.ACK.KV_w.{name}.1.2.1.{ts_a}.1 49 49\r\nNATS/1.0\r\nKV-Operation: DEL\r\nNats-Msg-Size: 0\r\n")), "{o}");
    assert!(o.contains(&format!("$JS.ACK.KV_w.{name}.1.3.2.")) && o.contains("Nats-Msg-Size: 2"), "{o}");
    // Later writes follow; an idle consumer sends heartbeats naming what it last sent.
    publish(&mut s, c, "$KV.w.c", "", "3");
    assert!(out(&mut s, c).contains(&format!("$JS.ACK.KV_w.{name}.1.4.3.")));
    s.handle_timeout(4_000);
    assert_eq!(out(&mut s, c), "");
    s.handle_timeout(5_000);
    assert_eq!(out(&mut s, c), "HMSG _INBOX.d1 3 75 75\r\nNATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 3\r\nNats-Last-Stream: 4\r\n\r\n\r\n");
    publish(&mut s, c, &format!("$JS.API.CONSUMER.INFO.KV_w.{name}"), "_INBOX.api.i", "");
    let info = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!((info["num_pending"].as_u64(), info["delivered"]["consumer_seq"].as_u64()), (Some(0), Some(3)));
}

#[test]
fn ordered_consumers_named_in_the_subject_with_every_deliver_policy() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "w", "");
    for (k, v) in [("a", "1"), ("b", "2"), ("a", "3")] {
        publish(&mut s, c, &format!("$KV.w.{k}"), "", v);
    }
    for (policy, extra, expect) in [
        ("all", "", vec![1, 3]),
        ("last", "", vec![3]),
        ("new", "", vec![]),
        ("by_start_sequence", ",\"opt_start_seq\":3", vec![3]),
        ("last_per_subject", "", vec![3]),
    ] {
        let deliver = format!("_INBOX.{policy}");
        let info = consumer(
            &mut s,
            c,
            &format!("$JS.API.CONSUMER.CREATE.KV_w.oc_{policy}.$KV.w.a"),
            &format!("{{\"name\":\"oc_{policy}\",\"deliver_policy\":\"{policy}\",\"ack_policy\":\"none\",\"filter_subject\":\"$KV.w.a\",\"deliver_subject\":\"{deliver}\"{extra}}}"),
        );
        assert_eq!(info["num_pending"].as_u64(), Some(expect.len() as u64), "{policy}: {info}");
        send(&mut s, c, &format!("SUB {deliver} 50\r\n"));
        let o = out(&mut s, c);
        let seqs: Vec<u64> = o
            .split("$JS.ACK.")
            .skip(1)
            .map(|t| t.split('.').nth(3).and_then(|x| x.parse().ok()).unwrap_or(0))
            .collect();
        assert_eq!(seqs, expect, "{policy}");
        send(&mut s, c, "UNSUB 50\r\n");
    }
}

#[test]
fn consumers_without_interest_go_after_their_inactive_threshold() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "w", "");
    let w = client(&mut s, "");
    send(&mut s, w, "SUB _INBOX.gone 1\r\n");
    consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_w",
        "{\"deliver_subject\":\"_INBOX.gone\",\"ack_policy\":\"none\",\"inactive_threshold\":2000000000}",
    );
    assert_eq!(s.consumer_count(), 1);
    s.close(w); // the watcher's client vanished mid-watch
    s.handle_timeout(1_000);
    assert_eq!(s.consumer_count(), 1);
    s.handle_timeout(2_100);
    assert_eq!(s.consumer_count(), 0, "no consumer is left behind");
}

#[test]
fn expiry_on_the_engine_clock_reaches_consumers() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(
        &mut s,
        c,
        "t",
        ",\"allow_msg_ttl\":true,\"subject_delete_marker_ttl\":60000000000,\"max_msgs_per_subject\":1",
    );
    hpub(&mut s, c, "$KV.t.lock", "", &[("Nats-TTL", "5s")], "held");
    send(&mut s, c, "SUB _INBOX.t 4\r\n");
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_t",
        "{\"deliver_subject\":\"_INBOX.t\",\"ack_policy\":\"none\",\"deliver_policy\":\"new\"}",
    );
    assert!(info.get("error").is_none(), "{info}");
    assert_eq!(s.engine().get("t", "lock").map(|e| e.revision), Ok(1), "{}", out(&mut s, c));
    s.set_time(T0 + 5 * NANOS_PER_SEC);
    let o = out(&mut s, c);
    assert!(o.contains("Nats-Marker-Reason: MaxAge"), "the limit marker is delivered: {o}");
}

/// Random, truncated and oversized operations from many connections never panic the server, never disturb a
/// well-behaved connection, and never lose what was stored.
#[test]
fn random_input_breaks_nothing() {
    let mut s = server();
    let good = client(&mut s, "");
    kv_stream(&mut s, good, "safe", "");
    publish(&mut s, good, "$KV.safe.k", "_INBOX.api.x", "kept");
    out(&mut s, good);
    let pieces: &[&[u8]] = &[
        b"PUB ",
        b"HPUB ",
        b"SUB ",
        b"UNSUB ",
        b"CONNECT ",
        b"PING\r\n",
        b"\r\n",
        b"$JS.API.STREAM.CREATE.X ",
        b"$JS.API.CONSUMER.CREATE.KV_safe ",
        b"$KV.safe.k ",
        b"_INBOX.z ",
        b"5 ",
        b"99999999999 ",
        b"-1 ",
        b"{",
        b"}",
        b"\"config\":",
        b"NATS/1.0\r\n",
        b"Nats-Rollup: all\r\n",
        b"Nats-TTL: x\r\n",
        b"\xff\xfe",
        b"* ",
        b"> ",
        b"a..b ",
        b"{\"name\":\"KV_safe\"}",
        b"{\"deliver_subject\":\"d\"}",
        b"10 12\r\n",
        b"hello\r\n",
    ];
    let mut rng: u64 = 0x1234_5678;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    for round in 0..400 {
        let c = if round % 3 == 0 { client(&mut s, "") } else { s.accept("127.0.0.1") };
        for _ in 0..next(12) + 1 {
            let mut bytes = Vec::new();
            for _ in 0..next(8) + 1 {
                bytes.extend_from_slice(pieces[next(pieces.len())]);
            }
            if next(4) == 0 {
                bytes.truncate(next(bytes.len() + 1));
            }
            s.handle_bytes(c, &bytes);
            while s.poll_transmit(c).is_some() {}
        }
        if next(2) == 0 {
            s.close(c);
        }
        s.handle_timeout(round * 50);
    }
    assert_eq!(s.engine().get("safe", "k").map(|e| e.value), Ok(b"kept".to_vec()));
    send(&mut s, good, "PING\r\n");
    assert_eq!(out(&mut s, good), "PONG\r\n");
}

/// Load: connections watching a bucket while several clients write a burst of puts. Every put is
/// acknowledged, and every watcher receives every revision exactly once, in order.
fn load(watchers_n: usize, puts_n: usize) {
    const WRITERS: usize = 4;
    let mut s = server();
    let admin = client(&mut s, "");
    kv_stream(&mut s, admin, "load", "");
    let mut watchers = Vec::new();
    for i in 0..watchers_n {
        let w = client(&mut s, "");
        send(&mut s, w, &format!("SUB _INBOX.w{i} 1\r\n"));
        consumer(
            &mut s,
            admin,
            "$JS.API.CONSUMER.CREATE.KV_load",
            &format!("{{\"deliver_subject\":\"_INBOX.w{i}\",\"ack_policy\":\"none\",\"deliver_policy\":\"new\",\"filter_subject\":\"$KV.load.>\"}}"),
        );
        watchers.push((w, 0u64));
    }
    let writers: Vec<ConnId> = (0..WRITERS)
        .map(|i| {
            let c = client(&mut s, "");
            send(&mut s, c, &format!("SUB _INBOX.ack{i}.* 1\r\n"));
            c
        })
        .collect();
    let mut acks = 0;
    let mut batch = Vec::new();
    for n in 0..puts_n {
        let w = writers[n % WRITERS];
        batch.clear();
        batch.extend_from_slice(
            format!("PUB $KV.load.k{} _INBOX.ack{}.{n} 1\r\nx\r\n", n % 1000, n % WRITERS).as_bytes(),
        );
        s.handle_bytes(w, &batch);
        if n % 500 == 499 || n == puts_n - 1 {
            for w in &writers {
                if let Some(b) = s.poll_transmit(*w) {
                    acks += b.windows(6).filter(|x| x == b"\"seq\":").count();
                }
            }
            for (c, next) in watchers.iter_mut() {
                let Some(b) = s.poll_transmit(*c) else { continue };
                // Each delivery's ack subject carries the stream sequence: they must run 1, 2, 3, ...
                let text = String::from_utf8_lossy(&b);
                for part in text.split("$JS.ACK.KV_load.").skip(1) {
                    let seq: u64 = part.split('.').nth(2).and_then(|x| x.parse().ok()).unwrap_or(0);
                    assert_eq!(seq, *next + 1, "watcher on connection {c} skipped or repeated");
                    *next = seq;
                }
            }
        }
    }
    assert_eq!(acks, puts_n);
    assert!(watchers.iter().all(|(_, n)| *n == puts_n as u64));
}

#[test]
fn two_hundred_watchers_see_every_put_once_in_order() {
    load(200, 2_500);
}

#[test]
fn a_burst_of_a_hundred_thousand_puts_is_all_acked_and_watched_in_order() {
    load(3, 100_000);
}

/// A request to the JetStream API and its JSON answer.
fn api(s: &mut Standalone, c: ConnId, subject: &str, body: &str) -> serde_json::Value {
    send(s, c, "SUB _INBOX.q.* 77\r\n");
    publish(s, c, subject, "_INBOX.q.1", body);
    payloads(&out(s, c)).pop().expect("an answer")
}

#[test]
fn subjects_with_an_empty_token_reach_nothing() {
    let mut s = server();
    let c = client(&mut s, "");
    api(&mut s, c, "$JS.API.STREAM.CREATE.T", r#"{"name":"T","subjects":["t.>"]}"#);
    send(&mut s, c, "SUB > 1\r\n");
    for subject in ["t..b", ".t", "t."] {
        publish(&mut s, c, subject, "", "x");
        assert_eq!(out(&mut s, c), "", "{subject} reached a subscriber or the stream");
    }
    let info = api(&mut s, c, "$JS.API.STREAM.INFO.T", "");
    assert_eq!(info["state"]["messages"], 0);
    let d = client(&mut s, "");
    send(&mut s, d, "SUB _INBOX.e.* 9\r\n");
    publish(&mut s, d, "a..b", "_INBOX.e.2", "?");
    assert_eq!(out(&mut s, d), "HMSG _INBOX.e.2 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
}

#[test]
fn a_stream_may_not_capture_the_replies_of_every_request() {
    let mut s = server();
    let c = client(&mut s, "");
    let e = api(&mut s, c, "$JS.API.STREAM.CREATE.ALL", r#"{"name":"ALL","subjects":[">"]}"#);
    assert_eq!(e["error"]["description"], "capturing all subjects requires no-ack to be true");
    let e = api(&mut s, c, "$JS.API.STREAM.CREATE.API", r#"{"name":"API","subjects":["$JS.API.>"]}"#);
    assert_eq!(e["error"]["description"], "subjects that overlap with jetstream api require no-ack to be true");
    // Request and reply still work, as nothing was created.
    assert_eq!(api(&mut s, c, "$JS.API.INFO", "")["streams"], 0);
}

#[test]
fn messages_are_deleted_and_reported_as_the_server_reports_them() {
    let mut s = server();
    let c = client(&mut s, "");
    api(&mut s, c, "$JS.API.STREAM.CREATE.D", r#"{"name":"D","subjects":["d.>"]}"#);
    for subject in ["d.a", "d.b", "d.a", "d.c"] {
        api(&mut s, c, subject, "x");
    }
    assert_eq!(api(&mut s, c, "$JS.API.STREAM.MSG.DELETE.D", r#"{"seq":2}"#)["success"], true);
    let again = api(&mut s, c, "$JS.API.STREAM.MSG.DELETE.D", r#"{"seq":2,"no_erase":true}"#);
    assert_eq!(again["error"]["description"], "sequence 2 not found");
    let empty = api(&mut s, c, "$JS.API.STREAM.MSG.DELETE.D", "{}");
    assert_eq!(empty["error"]["err_code"], 10003);
    let info = api(&mut s, c, "$JS.API.STREAM.INFO.D", r#"{"deleted_details":true,"subjects_filter":"d.*"}"#);
    assert_eq!(info["state"]["deleted"], serde_json::json!([2]));
    assert_eq!(info["state"]["num_deleted"], 1);
    assert_eq!(info["state"]["subjects"], serde_json::json!({"d.a": 2, "d.c": 1}));
    assert_eq!((info["total"].as_u64(), info["limit"].as_u64()), (Some(2), Some(100_000)));
}

#[test]
fn a_rollup_on_a_wildcard_subject_replaces_every_subject_it_matches() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "B", "");
    for key in ["hello.a", "hello.b", "other"] {
        api(&mut s, c, &format!("$KV.B.{key}"), "v");
    }
    hpub(&mut s, c, "$KV.B.hello.*", "_INBOX.q.2", &[("KV-Operation", "PURGE"), ("Nats-Rollup", "sub")], "");
    let info = api(&mut s, c, "$JS.API.STREAM.INFO.KV_B", r#"{"subjects_filter":">"}"#);
    assert_eq!(info["state"]["subjects"], serde_json::json!({"$KV.B.hello.*": 1, "$KV.B.other": 1}));
}

#[test]
fn republished_messages_carry_the_streams_headers() {
    let mut s = server();
    let c = client(&mut s, "");
    let r = r#"{"name":"R","subjects":["r.*"],"republish":{"src":"r.*","dest":"out.{{wildcard(1)}}"}}"#;
    api(&mut s, c, "$JS.API.STREAM.CREATE.R", r);
    send(&mut s, c, "SUB out.> 5\r\n");
    publish(&mut s, c, "r.a", "", "hi");
    let o = out(&mut s, c);
    assert!(o.starts_with("HMSG out.a 5 "), "{o}");
    assert!(o.contains("Nats-Stream: R\r\nNats-Subject: r.a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: "), "{o}");
    assert!(o.ends_with("Nats-Last-Sequence: 0\r\n\r\nhi\r\n"), "{o}");
}

#[test]
fn the_longest_max_age_keeps_messages_instead_of_wrapping() {
    let mut s = server();
    let c = client(&mut s, "");
    api(&mut s, c, "$JS.API.STREAM.CREATE.L", r#"{"name":"L","subjects":["l"],"max_age":9223372036854775807}"#);
    api(&mut s, c, "l", "x");
    s.set_time(T0 + 3600 * NANOS_PER_SEC);
    assert_eq!(api(&mut s, c, "$JS.API.STREAM.INFO.L", "")["state"]["messages"], 1);
}
