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
        format!(
            "CONNECT {{\"verbose\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1{extra}}}\r\nPING\r\n"
        )
        .as_bytes(),
    );
    let o = out(s, c);
    // nats-server follows an accepted CONNECT with an INFO that says so, after the handshake's PONG, to a client
    // that speaks protocol 1 (dynamic INFO), as every official client does.
    assert!(o.contains("PONG\r\nINFO {") && o.contains("\"connect_info\":true"), "{o}");
    c
}

#[test]
fn a_client_of_protocol_zero_gets_no_info_after_its_connect() {
    let mut s = server();
    let c = s.accept("127.0.0.1");
    out(&mut s, c);
    s.handle_bytes(c, b"CONNECT {\"verbose\":false}\r\nPING\r\n");
    assert_eq!(out(&mut s, c), "PONG\r\n");
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

/// The 503 status nats-server sends a requester on sid 99 when nothing answers `subject`.
fn no_responders(inbox: &str, subject: &str) -> String {
    let h = format!("NATS/1.0 503\r\nNats-Subject: {subject}\r\n\r\n");
    format!("HMSG {inbox} 99 {} {}\r\n{h}\r\n", h.len(), h.len())
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
    // Measured: the pedantic error, then the message goes on (and is acknowledged, verbose).
    assert_eq!(out(&mut s, a), "-ERR 'Invalid Publish Subject'\r\n+OK\r\n");
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
    // Measured on nats-server 2.15: the status names the subject nobody answered.
    assert_eq!(out(&mut s, req), "HMSG _INBOX.r.2 9 38 38\r\nNATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n\r\n");
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
    send(&mut s, c, "CONNECT {\"user\":\"u\",\"pass\":\"p\",\"protocol\":1}\r\nPING\r\n");
    assert!(out(&mut s, c).starts_with("+OK\r\nPONG\r\nINFO {"));
    let opts = ServerOptions { auth: Auth::Token("t0k".into()), ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    let c = s.accept("127.0.0.1");
    out(&mut s, c);
    send(&mut s, c, "CONNECT {\"auth_token\":\"t0k\",\"protocol\":1}\r\nPING\r\n");
    assert!(out(&mut s, c).starts_with("+OK\r\nPONG\r\nINFO {"));
}

#[test]
fn a_smaller_max_payload_is_announced_and_enforced_headers_included() {
    let opts = ServerOptions { max_payload: 1024, ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    let c = s.accept("127.0.0.1");
    assert!(out(&mut s, c).contains(r#""max_payload":1024,"#));
    send(&mut s, c, "CONNECT {\"verbose\":false,\"headers\":true}\r\nPUB x 1024\r\n");
    send(&mut s, c, &format!("{}\r\nPING\r\n", "y".repeat(1024)));
    assert!(out(&mut s, c).starts_with("PONG\r\n"));
    assert!(!s.is_closing(c));
    // 12 bytes of headers and 1013 of payload: 1025 in all.
    send(&mut s, c, "HPUB x 12 1025\r\n");
    assert_eq!(out(&mut s, c), "-ERR 'Maximum Payload Violation'\r\n");
    assert!(s.is_closing(c));
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
    // Measured on nats-server 2.15: the same configuration again is accepted and also says it created.
    assert!(again["did_create"] == true && again.get("error").is_none(), "the same config again is fine");
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
    assert_eq!(s.engine().view().get("demo", "d").map(|e| e.revision), Ok(2));
}

#[test]
fn api_calls_the_playground_lacks_are_answered_plainly() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "b", "");
    // A pull request for a consumer that does not exist has no responder, as on nats-server.
    publish(&mut s, c, "$JS.API.CONSUMER.MSG.NEXT.KV_b.x", "_INBOX.api.2", "{\"batch\":1}");
    assert_eq!(out(&mut s, c), no_responders("_INBOX.api.2", "$JS.API.CONSUMER.MSG.NEXT.KV_b.x"));
    publish(&mut s, c, "$JS.API.STREAM.SNAPSHOT.KV_b", "_INBOX.api.2", "{}");
    let e = payloads(&out(&mut s, c)).pop().unwrap();
    assert!(e["error"]["description"].as_str().unwrap().contains("not supported"), "{e}");
    // What nats-server itself does not answer stays unanswered: the requester waits for its timeout (the API
    // has a listener, so there is no "no responders").
    publish(&mut s, c, "$JS.API.NO.SUCH.THING", "_INBOX.api.3", "");
    assert_eq!(out(&mut s, c), "");
    // A stream without direct gets has no responder for them.
    publish(&mut s, c, "$JS.API.DIRECT.GET.KV_b.$KV.b.k", "_INBOX.api.4", "");
    assert_eq!(out(&mut s, c), no_responders("_INBOX.api.4", "$JS.API.DIRECT.GET.KV_b.$KV.b.k"));
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
    // The timeline shows a connection's watcher as it shows the terminal's, with what it delivered.
    let w = s.watchers_between("w", 1, 10);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].patterns.clone(), w[0].delivered.clone()), (vec![">".to_string()], vec![2, 3, 4]));
    assert!(s.watchers_between("w", 4, 4)[0].delivered == [4]);
    publish(&mut s, c, &format!("$JS.API.CONSUMER.INFO.KV_w.{name}"), "_INBOX.api.i", "");
    let info = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!((info["num_pending"].as_u64(), info["delivered"]["consumer_seq"].as_u64()), (Some(0), Some(3)));
}

#[test]
fn a_watcher_keeps_its_number_through_an_update_and_the_next_takes_the_next() {
    let mut s = server();
    let c = client(&mut s, "");
    kv_stream(&mut s, c, "w", "");
    let durable = |desc: &str| {
        format!("{{\"durable_name\":\"d\",\"description\":\"{desc}\",\"deliver_policy\":\"all\",\"ack_policy\":\"none\",\"deliver_subject\":\"_INBOX.d\"}}")
    };
    consumer(&mut s, c, "$JS.API.CONSUMER.CREATE.KV_w.d", &durable("one"));
    let info = consumer(&mut s, c, "$JS.API.CONSUMER.CREATE.KV_w.d", &durable("two"));
    assert_eq!(info["config"]["description"], "two", "{info}");
    consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_w",
        "{\"deliver_policy\":\"all\",\"ack_policy\":\"none\",\"deliver_subject\":\"_INBOX.e\"}",
    );
    let ids: Vec<u64> = s.watchers_between("w", 1, 10).iter().map(|w| w.id.0).collect();
    assert_eq!(ids, vec![1, 2]);
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
    assert_eq!(s.engine().view().get("t", "lock").map(|e| e.revision), Ok(1), "{}", out(&mut s, c));
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
        b"$JS.API.STREAM.CREATE.M ",
        b"$JS.API.STREAM.UPDATE.M ",
        b"{\"name\":\"M\",\"mirror\":{\"name\":\"KV_safe\"}}",
        b"{\"name\":\"M\",\"mirror\":{\"name\":\"M\"}}",
        b"{\"name\":\"M\",\"subjects\":[\"m.>\"],\"sources\":[{\"name\":\"KV_safe\",\"subject_transforms\":[{\"src\":\"$KV.>\",\"dest\":\"m.>\"}]}]}",
        b"{\"name\":\"M\",\"subjects\":[\"w\"],\"retention\":\"workqueue\",\"max_msgs\":2,\"discard\":\"old\"}",
        b"$JS.API.CONSUMER.CREATE.M ",
        b"{\"stream_name\":\"M\",\"config\":{\"ack_policy\":\"explicit\",\"durable_name\":\"d\"}}",
        b"$JS.API.CONSUMER.MSG.NEXT.M.d ",
        b"$JS.API.CONSUMER.MSG.NEXT.KV_safe.d ",
        b"{\"batch\":3,\"expires\":1000000,\"no_wait\":true}",
        b"$JS.ACK.M.d.1.1.1.0.0 ",
        b"+NAK {\"delay\":1}",
        b"+TERM",
        b"$JS.API.DIRECT.GET.KV_safe ",
        b"{\"last_by_subj\":\"$KV.safe.k\"}",
        b"w ",
        b"m.x ",
    ];
    let mut rng: u64 = 0x1234_5678;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    for round in 0..3000 {
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
        // The well-behaved client answers the server's pings, as a client library does.
        if out(&mut s, good).contains("PING\r\n") {
            send(&mut s, good, "PONG\r\n");
        }
    }
    assert_eq!(s.engine().view().get("safe", "k").map(|e| e.value), Ok(b"kept".to_vec()));
    send(&mut s, good, "PING\r\n");
    assert_eq!(out(&mut s, good), "PONG\r\n");
}

/// Well-framed requests with random subjects, headers and bodies (pieces of the API's JSON, cut anywhere) on
/// every API and stream subject: the server answers or stays silent, never panics, and keeps what was stored.
#[test]
fn random_api_requests_break_nothing() {
    let mut s = server();
    let good = client(&mut s, "");
    kv_stream(&mut s, good, "safe", "");
    publish(&mut s, good, "$KV.safe.k", "_INBOX.api.x", "kept");
    out(&mut s, good);
    let subjects = [
        "$JS.API.INFO",
        "$JS.API.STREAM.CREATE.M",
        "$JS.API.STREAM.UPDATE.M",
        "$JS.API.STREAM.INFO.M",
        "$JS.API.STREAM.DELETE.M",
        "$JS.API.STREAM.PURGE.M",
        "$JS.API.STREAM.MSG.GET.M",
        "$JS.API.STREAM.MSG.DELETE.M",
        "$JS.API.STREAM.CREATE.S",
        "$JS.API.STREAM.INFO.KV_safe",
        "$JS.API.DIRECT.GET.M",
        "$JS.API.DIRECT.GET.KV_safe",
        "$JS.API.CONSUMER.CREATE.M",
        "$JS.API.CONSUMER.CREATE.M.d",
        "$JS.API.CONSUMER.DURABLE.CREATE.M.d",
        "$JS.API.CONSUMER.INFO.M.d",
        "$JS.API.CONSUMER.DELETE.M.d",
        "$JS.API.CONSUMER.MSG.NEXT.M.d",
        "$JS.API.CONSUMER.LIST.M",
        "$JS.ACK.M.d.1.1.1.0.0",
        "m.x",
        "w",
        "o.a",
    ];
    let bodies = [
        "{\"name\":\"M\",\"mirror\":{\"name\":\"O\",\"filter_subject\":\"o.>\"}}",
        "{\"name\":\"M\",\"subjects\":[\"m.>\"],\"sources\":[{\"name\":\"O\",\"subject_transforms\":[{\"src\":\"o.*\",\"dest\":\"m.$1\"}]}]}",
        "{\"name\":\"S\",\"subjects\":[\"o.>\"],\"republish\":{\"src\":\">\",\"dest\":\"m.>\"}}",
        "{\"name\":\"S\",\"mirror\":{\"name\":\"M\"}}",
        "{\"name\":\"M\",\"subjects\":[\"w\"],\"retention\":\"workqueue\",\"max_msgs\":2,\"max_bytes\":300,\"discard\":\"old\"}",
        "{\"name\":\"M\",\"subjects\":[\"w\"],\"retention\":\"interest\",\"subject_transform\":{\"src\":\"w\",\"dest\":\"x\"}}",
        "{\"stream_name\":\"M\",\"config\":{\"ack_policy\":\"explicit\",\"durable_name\":\"d\",\"max_deliver\":2,\"ack_wait\":1000000}}",
        "{\"stream_name\":\"M\",\"config\":{\"deliver_subject\":\"dl\",\"flow_control\":true,\"idle_heartbeat\":100000000}}",
        "{\"batch\":3,\"expires\":1000000,\"no_wait\":true,\"max_bytes\":10}",
        "{\"seq\":1}",
        "{\"last_by_subj\":\"m.x\"}",
        "{\"filter\":\"m.>\",\"keep\":1}",
        "+NAK {\"delay\":1}",
        "+ACK",
        "+TERM",
        "+WPI",
        "-NAK",
        "",
        "null",
        "[1,2]",
        "{\"name\":18446744073709551616}",
        "{\"name\":\"M\",\"subjects\":[\"m.>\"],\"allow_batched\":true,\"allow_direct\":true}",
        "{\"name\":\"S\",\"sources\":[{\"name\":\"M\",\"consumer\":{\"name\":\"d\",\"deliver_subject\":\"dl\"}}]}",
        "{\"seq\":1,\"batch\":5,\"max_bytes\":7}",
        "{\"multi_last\":[\"m.>\"],\"up_to_seq\":2}",
        "{\"next_by_subj\":\"m.*\",\"batch\":2}",
        "{\"a\":1} {\"b\":",
    ];
    let headers = [
        "",
        "Nats-Rollup: all",
        "Nats-TTL: 1s",
        "Nats-Msg-Id: a",
        "Nats-Expected-Last-Sequence: 3",
        "Nats-Required-Api-Level: 9",
        "Nats-Expected-Last-Subject-Sequence-Subject: m.*",
    ];
    // Replies that publish into fast batches too (of every operation, with gaps).
    let replies = [
        "_INBOX.r",
        "_INBOX.r.b.3.ok.1.0.$FI",
        "_INBOX.r.b.3.fail.2.1.$FI",
        "_INBOX.r.b.0.ok.4.2.$FI",
        "_INBOX.r.b.1.ok.9.4.$FI",
    ];
    let mut rng: u64 = 0x9e37_79b9;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.> 1\r\nSUB m.> 2\r\nSUB dl 3\r\n");
    for round in 0..4000u64 {
        let subject = subjects[next(subjects.len())];
        let mut body = bodies[next(bodies.len())].to_string();
        if next(5) == 0 {
            body.truncate(next(body.len() + 1));
            while !body.is_char_boundary(body.len()) {
                body.pop();
            }
        }
        let header = headers[next(headers.len())];
        let reply = replies[next(replies.len())];
        if header.is_empty() {
            publish(&mut s, c, subject, reply, &body);
        } else {
            hpub(&mut s, c, subject, reply, &[header.split_once(": ").unwrap_or(("X", "y"))], &body);
        }
        while s.poll_transmit(c).is_some() {}
        if round % 10 == 0 {
            s.handle_timeout(round * 20);
            if out(&mut s, good).contains("PING\r\n") {
                send(&mut s, good, "PONG\r\n");
            }
        }
    }
    // The run reached the API (streams were made), and what was stored before is intact.
    assert!(s.engine().stream_names().len() > 1, "{:?}", s.engine().stream_names());
    assert_eq!(s.engine().view().get("safe", "k").map(|e| e.value), Ok(b"kept".to_vec()));
    out(&mut s, good);
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

#[test]
fn nulls_in_requests_read_as_absent_as_go_reads_them() {
    let mut s = server();
    let c = client(&mut s, "");
    let r = kv_stream(&mut s, c, "n", ",\"consumer_limits\":null,\"metadata\":null,\"placement\":null");
    assert!(r.get("error").is_none(), "{r}");
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_n",
        "{\"ack_policy\":\"explicit\",\"filter_subject\":null,\"backoff\":null}",
    );
    assert!(info.get("error").is_none(), "{info}");
}

/// A pull consumer on the protocol's clock: batches, acknowledgements, redelivery after `ack_wait` and after a
/// delayed NAK, `max_deliver`, a request's expiry (408) and idle heartbeats (100), moved by `handle_timeout`.
#[test]
fn pull_consumers_deliver_acknowledge_and_redeliver_on_the_protocol_clock() {
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.p.* 7\r\n");
    kv_stream(&mut s, c, "p", "");
    for k in ["a", "b", "c"] {
        publish(&mut s, c, &format!("$KV.p.{k}"), "", k);
    }
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_p.D",
        "{\"durable_name\":\"D\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000,\"max_deliver\":2}",
    );
    assert_eq!((info["num_pending"].as_u64(), info["config"]["max_waiting"].as_u64()), (Some(3), Some(512)));
    let next = "$JS.API.CONSUMER.MSG.NEXT.KV_p.D";
    publish(&mut s, c, next, "_INBOX.p.1", "{\"batch\":2}");
    let o = out(&mut s, c);
    assert!(
        o.contains("MSG $KV.p.a 7 $JS.ACK.KV_p.D.1.1.1.") && o.contains("MSG $KV.p.b 7 $JS.ACK.KV_p.D.1.2.2."),
        "{o}"
    );
    // a is acknowledged; b is refused with a delay of half a second.
    let ack = |o: &str, subj: &str| -> String {
        o.split_whitespace().find(|w| w.starts_with("$JS.ACK.") && w.contains(subj)).unwrap_or_default().to_string()
    };
    publish(&mut s, c, &ack(&o, ".1.1.1."), "_INBOX.p.ack", "+ACK");
    assert_eq!(out(&mut s, c), "MSG _INBOX.p.ack 7 0\r\n\r\n", "an acknowledgement with a reply is confirmed");
    publish(&mut s, c, &ack(&o, ".1.2.2."), "", "-NAK {\"delay\":500000000}");
    publish(&mut s, c, next, "_INBOX.p.2", "{\"batch\":5,\"expires\":2000000000}");
    let o = out(&mut s, c);
    assert!(o.contains("MSG $KV.p.c 7 $JS.ACK.KV_p.D.1.3.3.") && !o.contains("$KV.p.b"), "c first, b waits: {o}");
    s.handle_timeout(500);
    let o = out(&mut s, c);
    assert!(o.contains("MSG $KV.p.b 7 $JS.ACK.KV_p.D.2.2.4."), "b again after its delay, delivered twice: {o}");
    // c was never acknowledged: after ack_wait it comes back; b after its own wait is at max_deliver and stays out.
    s.handle_timeout(1_000);
    let o = out(&mut s, c);
    assert!(o.contains("MSG $KV.p.c 7 $JS.ACK.KV_p.D.2.3.5."), "{o}");
    s.handle_timeout(2_000);
    let o = out(&mut s, c);
    assert_eq!(
        o,
        "HMSG _INBOX.p.2 7 81 81\r\nNATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 2\r\nNats-Pending-Bytes: 0\r\n\r\n\r\n",
        "the request ends when it expires, with what it still wanted"
    );
    publish(&mut s, c, "$JS.API.CONSUMER.INFO.KV_p.D", "_INBOX.p.i", "");
    let info = payloads(&out(&mut s, c)).pop().unwrap();
    assert_eq!(info["delivered"]["consumer_seq"], 5);
    assert_eq!(info["ack_floor"]["stream_seq"], 1);
    assert_eq!(info["num_redelivered"], 2);
    // Nothing left: a no-wait request hears 404 at once; a waiting one with heartbeats hears them while idle.
    s.handle_timeout(5_000);
    out(&mut s, c);
    publish(&mut s, c, next, "_INBOX.p.3", "{\"batch\":1,\"no_wait\":true}");
    assert_eq!(out(&mut s, c), "HMSG _INBOX.p.3 7 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\n");
    publish(&mut s, c, next, "_INBOX.p.4", "{\"batch\":1,\"expires\":10000000000,\"idle_heartbeat\":1000000000}");
    s.handle_timeout(5_999);
    assert_eq!(out(&mut s, c), "");
    s.handle_timeout(6_000);
    assert!(out(&mut s, c)
        .starts_with("HMSG _INBOX.p.4 7 75 75\r\nNATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 5\r\n"));
    // Deleting the consumer ends the waiting request.
    publish(&mut s, c, "$JS.API.CONSUMER.DELETE.KV_p.D", "_INBOX.p.d", "");
    assert!(out(&mut s, c).contains("HMSG _INBOX.p.4 7 33 33\r\nNATS/1.0 409 Consumer Deleted\r\n"));
}

/// Measured on nats-server 2.15.1 with nats.js: a consumer without acknowledgements listens for none (an ack
/// request meets no responders), and a pull's `max_bytes` counts each message's ack subject too.
#[test]
fn acks_to_a_consumer_without_them_meet_no_responders_and_max_bytes_counts_ack_subjects() {
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.n.* 7\r\n");
    kv_stream(&mut s, c, "n", "");
    for k in ["a", "b", "c"] {
        publish(&mut s, c, &format!("$KV.n.{k}"), "", "");
    }
    consumer(&mut s, c, "$JS.API.CONSUMER.CREATE.KV_n.N", "{\"durable_name\":\"N\"}");
    publish(&mut s, c, "$JS.API.CONSUMER.MSG.NEXT.KV_n.N", "_INBOX.n.1", "{\"batch\":1}");
    let o = out(&mut s, c);
    let ack = o.split_whitespace().find(|w| w.starts_with("$JS.ACK.")).expect("an ack subject").to_string();
    publish(&mut s, c, &ack, "_INBOX.n.2", "+ACK");
    let o = out(&mut s, c);
    assert!(o.starts_with("HMSG _INBOX.n.2 7 ") && o.contains("NATS/1.0 503\r\n"), "no responders: {o}");
    // Each of the two left costs its subject (8 bytes) and its ack subject (over 40): 60 bytes hold one.
    publish(&mut s, c, "$JS.API.CONSUMER.MSG.NEXT.KV_n.N", "_INBOX.n.3", "{\"batch\":5,\"max_bytes\":60}");
    let o = out(&mut s, c);
    assert_eq!(o.matches("MSG $KV.n.").count(), 1, "{o}");
    assert!(o.contains("409 Message Size Exceeds MaxBytes"), "{o}");
}

/// Direct gets and fast batches at the edges of their numbers answer without breaking anything.
#[test]
fn direct_gets_and_fast_batches_at_the_edges_break_nothing() {
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.e.> 7\r\n");
    publish(
        &mut s,
        c,
        "$JS.API.STREAM.CREATE.E",
        "_INBOX.e.0",
        "{\"name\":\"E\",\"subjects\":[\"e.>\"],\"allow_direct\":true,\"allow_batched\":true}",
    );
    publish(&mut s, c, "e.a", "", "x");
    out(&mut s, c);
    let max = u64::MAX;
    for body in [
        format!("{{\"seq\":{max},\"batch\":3}}"),
        format!("{{\"seq\":{max}}}"),
        format!("{{\"next_by_subj\":\"e.>\",\"seq\":{max},\"batch\":2}}"),
        format!("{{\"multi_last\":[\">\"],\"up_to_seq\":{max},\"batch\":{max}}}"),
        "{\"multi_last\":[\"e.*\"],\"up_to_time\":\"1970-01-01T00:00:00Z\"}".to_string(),
        "{\"start_time\":\"9999-12-31T23:59:59Z\",\"batch\":2}".to_string(),
        "{\"seq\":1,\"batch\":2,\"max_bytes\":-5}".to_string(),
    ] {
        publish(&mut s, c, "$JS.API.DIRECT.GET.E", "_INBOX.e.1", &body);
        assert!(out(&mut s, c).contains("_INBOX.e.1"), "{body} is answered");
    }
    for reply in [
        format!("_INBOX.e.b.10.ok.{}.1.$FI", max - 1),
        "_INBOX.e.b.99999999999999999999999.fail.1.0.$FI".to_string(),
        "_INBOX.e.b.1.ok.1.4.$FI".to_string(),
        "_INBOX.e.b.1.ok.3.4.$FI".to_string(),
        "_INBOX.e.b.0.ok.2.3.$FI".to_string(),
        "_INBOX.e..1.ok.1.2.$FI".to_string(),
    ] {
        publish(&mut s, c, "e.b", &reply, "y");
        out(&mut s, c);
    }
    publish(&mut s, c, "$JS.API.STREAM.INFO.E", "_INBOX.e.2", "");
    assert!(out(&mut s, c).contains("stream_info_response"));
}

/// Refused messages come back in the order they became due, as nats-server sends them (measured on 2.15.1 with
/// nats-py: NAKs of 2, 4 and 3 with delays of 0.9, 0.2 and 0.5 s, fetched after all are due: 4, 3, 2), not in
/// sequence order.
#[test]
fn refused_messages_come_back_in_the_order_they_became_due() {
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.q.* 7\r\n");
    kv_stream(&mut s, c, "q", "");
    for k in ["1", "2", "3", "4"] {
        publish(&mut s, c, &format!("$KV.q.{k}"), "", k);
    }
    consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_q.D",
        "{\"durable_name\":\"D\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000000}",
    );
    let next = "$JS.API.CONSUMER.MSG.NEXT.KV_q.D";
    publish(&mut s, c, next, "_INBOX.q.1", "{\"batch\":4}");
    let o = out(&mut s, c);
    let ack = |n: u64| -> String {
        o.split_whitespace()
            .find(|w| w.starts_with("$JS.ACK.KV_q.D.1.") && w.contains(&format!(".{n}.{n}.")))
            .unwrap_or_default()
            .to_string()
    };
    publish(&mut s, c, &ack(1), "", "+ACK");
    publish(&mut s, c, &ack(2), "", "-NAK {\"delay\":900000000}");
    publish(&mut s, c, &ack(4), "", "-NAK {\"delay\":200000000}");
    publish(&mut s, c, &ack(3), "", "-NAK {\"delay\":500000000}");
    s.handle_timeout(1_500);
    publish(&mut s, c, next, "_INBOX.q.2", "{\"batch\":3}");
    let o = out(&mut s, c);
    let order: Vec<&str> = o.split_whitespace().filter_map(|w| w.strip_prefix("$KV.q.")).collect();
    assert_eq!(order, ["4", "3", "2"], "{o}");
}

#[test]
fn a_slow_consumer_is_cut_off_and_counted_while_others_keep_working() {
    let opts = ServerOptions { max_pending: 10_000, ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    let (slow, publisher) = (client(&mut s, ""), client(&mut s, ""));
    send(&mut s, slow, "SUB x 1\r\n");
    let body = "b".repeat(3000);
    // The link took the first message and has not written it: it still counts against max_pending.
    publish(&mut s, publisher, "x", "", &body);
    let first = s.poll_transmit(slow).map(|b| b.len()).unwrap_or(0);
    s.server.queued_in_link(slow, first);
    s.server.written(slow, 1000);
    for _ in 0..2 {
        publish(&mut s, publisher, "x", "", &body);
    }
    assert!(!s.is_closing(slow), "{} bytes wait", first - 1000 + 2 * first);
    publish(&mut s, publisher, "x", "", &body);
    assert!(s.is_closing(slow), "over max_pending");
    // As nats-server: nothing more is written to it, not even an -ERR.
    assert_eq!(out(&mut s, slow), "");
    let stats = s.server.stats();
    assert_eq!(stats.slow_consumers, 1);
    assert_eq!((stats.msgs.in_msgs, stats.msgs.out_msgs), (4, 3));
    assert_eq!(stats.msgs.in_bytes, 12_000);
    s.close(slow);
    send(&mut s, publisher, "PING\r\n");
    assert_eq!(out(&mut s, publisher), "PONG\r\n");
    // A link whose write deadline passed is a slow consumer too, counted once.
    let other = client(&mut s, "");
    s.server.slow_consumer(other);
    s.server.slow_consumer(other);
    assert!(s.is_closing(other));
    assert_eq!(s.server.stats().slow_consumers, 2);
}

#[test]
fn a_silent_connection_is_closed_after_the_auth_timeout() {
    let opts =
        ServerOptions { auth: Auth::UserPass { user: "u".into(), pass: "p".into() }, ..ServerOptions::default() };
    let mut s = Standalone::new(opts, Engine::new(T0));
    s.handle_timeout(1_000);
    let (silent, ok) = (s.accept("127.0.0.1"), s.accept("127.0.0.1"));
    out(&mut s, silent);
    out(&mut s, ok);
    send(&mut s, ok, "CONNECT {\"user\":\"u\",\"pass\":\"p\"}\r\n");
    assert_eq!(s.server.poll_timeout(), Some(3_000));
    s.handle_timeout(2_999);
    assert!(!s.is_closing(silent));
    s.handle_timeout(3_000);
    assert_eq!(out(&mut s, silent), "-ERR 'Authentication Timeout'\r\n");
    assert!(s.is_closing(silent));
    assert!(!s.is_closing(ok), "a connection that sent CONNECT stays");
    assert_eq!(out(&mut s, ok), "+OK\r\n", "a CONNECT that leaves verbose out is verbose, as on nats-server");
}

#[test]
fn unanswered_pings_close_a_stale_connection() {
    let mut s = server();
    let c = client(&mut s, "");
    s.handle_timeout(120_000);
    assert_eq!(out(&mut s, c), "PING\r\n");
    send(&mut s, c, "PONG\r\n");
    s.handle_timeout(240_000);
    assert_eq!(out(&mut s, c), "PING\r\n");
    s.handle_timeout(360_000);
    assert_eq!(out(&mut s, c), "PING\r\n");
    assert!(!s.is_closing(c));
    s.handle_timeout(480_000);
    assert_eq!(out(&mut s, c), "-ERR 'Stale Connection'\r\n");
    assert!(s.is_closing(c));
    assert_eq!(s.server.stats().stale_connections, 1);
}

#[test]
fn publishes_over_the_server_limits_are_refused_with_the_server_error() {
    let mut engine = Engine::new(T0);
    engine.set_limits(crate::engine::JsLimits { max_memory: 1 << 20, max_storage: 2 << 20 });
    let mut s = Standalone::new(ServerOptions::default(), engine);
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.r.* 1\r\n");
    let cfg = r#"{"name":"C","subjects":["c"],"storage":"memory"}"#;
    publish(&mut s, c, "$JS.API.STREAM.CREATE.C", "_INBOX.r.1", cfg);
    out(&mut s, c);
    let body = "z".repeat(100_000);
    for _ in 0..11 {
        publish(&mut s, c, "c", "_INBOX.r.2", &body);
    }
    assert!(payloads(&out(&mut s, c)).iter().all(|p| p["error"].is_null()));
    publish(&mut s, c, "c", "_INBOX.r.2", &body);
    let ack = out(&mut s, c);
    assert!(
        ack.contains(
            r#"{"error":{"code":503,"err_code":10023,"description":"insufficient resources"},"stream":"C","seq":0}"#
        ),
        "{ack}"
    );
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
        assert_eq!(
            out(&mut s, c),
            "-ERR 'Invalid Publish Subject'\r\n",
            "{subject} reached a subscriber or the stream"
        );
    }
    let info = api(&mut s, c, "$JS.API.STREAM.INFO.T", "");
    assert_eq!(info["state"]["messages"], 0);
    let d = client(&mut s, "");
    send(&mut s, d, "SUB _INBOX.e.* 9\r\n");
    publish(&mut s, d, "a..b", "_INBOX.e.2", "?");
    assert_eq!(
        out(&mut s, d),
        "-ERR 'Invalid Publish Subject'\r\nHMSG _INBOX.e.2 9 36 36\r\nNATS/1.0 503\r\nNats-Subject: a..b\r\n\r\n\r\n"
    );
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

/// The terminal is a client of the same server as the connections: what its KV store writes in process reaches
/// their subscriptions, republished copies included, as a publish over the wire would.
#[test]
fn writes_in_process_reach_the_connections_subscribers() {
    use crate::backend::KvBackend;
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB $KV.b.> 1\r\nSUB copies.> 2\r\nPING\r\n");
    assert_eq!(out(&mut s, c), "PONG\r\n");
    let mut cfg = crate::engine::Config::new("b");
    cfg.republish =
        Some(crate::engine::stream::RePublish { src: "$KV.b.>".into(), dest: "copies.>".into(), headers_only: false });
    s.create_bucket(&cfg).unwrap();
    assert_eq!(s.put("b", "k", b"hello").unwrap(), 1);
    // Delivered when the server is next pumped (the page pumps after each command).
    assert_eq!(out(&mut s, c), "");
    let node = &mut s;
    node.server.pump(&node.engine);
    let o = out(&mut s, c);
    assert!(o.starts_with("MSG $KV.b.k 1 5\r\nhello\r\n"), "{o}");
    assert!(o.contains("HMSG copies.k 2 ") && o.contains("Nats-Sequence: 1\r\n") && o.ends_with("hello\r\n"), "{o}");
}

/// A bucket configuration the server refuses is refused in process too, with the server's error.
#[test]
fn stream_checks_are_the_servers_in_process() {
    use crate::backend::KvBackend;
    let mut s = server();
    let mut cfg = crate::engine::Config::new("b");
    cfg.max_age = NANOS_PER_SEC / 1000;
    let e = s.create_bucket(&cfg).unwrap_err();
    assert_eq!(e.api.map(|a| (a.err_code, a.description)), Some((10052, "max age needs to be >= 100ms".to_string())));
    assert!(s.bucket_names().unwrap().is_empty());
}

/// A watch made in process (the terminal's) is a consumer on the server, as natscli's is: a connection lists it
/// and the stream counts it; it ends when the bucket is deleted, and its consumer goes with the watch.
#[test]
fn a_watch_in_process_is_a_consumer_on_the_server() {
    use crate::backend::KvBackend;
    use crate::engine::{WatchEvent, WatchOptions};
    let mut s = server();
    s.create_bucket(&crate::engine::Config::new("b")).unwrap();
    s.put("b", "k", b"1").unwrap();
    let w = s.watch("b", &[], WatchOptions::default()).unwrap();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.t 99\r\n");
    publish(&mut s, c, "$JS.API.CONSUMER.NAMES.KV_b", "_INBOX.t", "");
    let names = payloads(&out(&mut s, c));
    assert_eq!(names[0]["consumers"].as_array().map(Vec::len), Some(1), "{names:?}");
    publish(&mut s, c, "$JS.API.STREAM.INFO.KV_b", "_INBOX.t", "");
    assert_eq!(payloads(&out(&mut s, c))[0]["state"]["consumer_count"], 1);
    // A connection's write reaches the watch through the server's consumer.
    hpub(&mut s, c, "$KV.b.k", "_INBOX.t", &[], "2");
    let got = s.poll_watch(w);
    let values: Vec<String> = got
        .iter()
        .filter_map(|e| match e {
            WatchEvent::Entry(en) => Some(String::from_utf8_lossy(&en.value).into_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(values, ["1", "2"]);
    assert!(got.contains(&WatchEvent::InitialValuesDone));
    s.delete_bucket("b").unwrap();
    assert_eq!(s.poll_watch(w), vec![WatchEvent::Closed]);
    assert_eq!(s.consumer_count(), 0);
    // Stopping a watch deletes its consumer.
    s.create_bucket(&crate::engine::Config::new("b")).unwrap();
    let w2 = s.watch("b", &[], WatchOptions::default()).unwrap();
    assert_eq!(s.consumer_count(), 1);
    s.stop_watch(w2);
    assert_eq!(s.consumer_count(), 0);
}

/// The clock moves in steps, so a watcher sees a marker the server wrote and removed within one long move (a
/// key's TTL, then the marker's own), as it would on a real server.
#[test]
fn a_long_clock_move_shows_watchers_what_happened_on_the_way() {
    use crate::backend::KvBackend;
    use crate::engine::{Operation, WatchEvent, WatchOptions};
    let mut s = server();
    let mut cfg = crate::engine::Config::new("b");
    cfg.limit_marker_ttl = NANOS_PER_SEC;
    s.create_bucket(&cfg).unwrap();
    s.create("b", "k", b"v", 2 * NANOS_PER_SEC).unwrap();
    let w = s.watch("b", &[], WatchOptions::default()).unwrap();
    s.poll_watch(w);
    s.set_now(T0 + 60 * NANOS_PER_SEC);
    let ops: Vec<Operation> = s
        .poll_watch(w)
        .into_iter()
        .filter_map(|e| match e {
            WatchEvent::Entry(en) => Some(en.operation),
            _ => None,
        })
        .collect();
    assert_eq!(ops, [Operation::Purge]);
    assert!(s.get("b", "k").is_err());
}

/// A paused consumer delivers nothing until its pause ends (on the server's clock), then what waited; two
/// waiting requests take turns, as nats-server's wait queue serves them; a pinned consumer serves only the
/// client it pinned, whose messages say so.
#[test]
fn pauses_turns_and_pins_on_the_protocol_clock() {
    let mut s = server();
    let c = client(&mut s, "");
    // One subscription per requester: the sid in each MSG line says whose request a message went to.
    for (i, r) in ["a", "b", "c", "d", "e", "f", "g"].iter().enumerate() {
        send(&mut s, c, &format!("SUB _INBOX.r.{r} {}\r\n", 20 + i));
    }
    kv_stream(&mut s, c, "r", "");
    for k in ["1", "2", "3", "4"] {
        publish(&mut s, c, &format!("$KV.r.{k}"), "", k);
    }
    let until = crate::engine::time::rfc3339_nanos(T0 + 2 * NANOS_PER_SEC);
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_r.P",
        &format!("{{\"durable_name\":\"P\",\"ack_policy\":\"explicit\",\"pause_until\":\"{until}\"}}"),
    );
    assert_eq!(
        (info["paused"].as_bool(), info["config"]["metadata"]["_nats.req.level"].as_str()),
        (Some(true), Some("1"))
    );
    let next = "$JS.API.CONSUMER.MSG.NEXT.KV_r.P";
    publish(&mut s, c, next, "_INBOX.r.a", "{\"batch\":2,\"expires\":5000000000}");
    publish(&mut s, c, next, "_INBOX.r.b", "{\"batch\":2,\"expires\":5000000000}");
    s.handle_timeout(1_999);
    assert_eq!(out(&mut s, c), "", "nothing while paused");
    s.handle_timeout(2_000);
    let o = out(&mut s, c);
    let sent: Vec<(&str, &str)> = o
        .lines()
        .filter(|l| l.starts_with("MSG $KV.r."))
        .map(|l| (l.split(' ').nth(1).unwrap(), l.split(' ').nth(2).unwrap()))
        .collect();
    // Turns: a, b, a, b (not a's batch first).
    assert_eq!(sent, [("$KV.r.1", "20"), ("$KV.r.2", "21"), ("$KV.r.3", "20"), ("$KV.r.4", "21")], "{o}");

    // A pinned consumer: the first request with the group pins; another requester waits its turn in vain.
    let info = consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.KV_r.Q",
        "{\"durable_name\":\"Q\",\"ack_policy\":\"none\",\"priority_policy\":\"pinned_client\",\"priority_groups\":[\"G\"],\"priority_timeout\":3000000000}",
    );
    assert_eq!(info["config"]["priority_timeout"], 3_000_000_000i64);
    let next = "$JS.API.CONSUMER.MSG.NEXT.KV_r.Q";
    publish(&mut s, c, next, "_INBOX.r.c", "{\"batch\":1,\"group\":\"G\"}");
    let o = out(&mut s, c);
    assert!(o.starts_with("HMSG $KV.r.1 22 ") && o.contains("Nats-Pin-Id: "), "{o}");
    let pin = o.split("Nats-Pin-Id: ").nth(1).unwrap().split("\r\n").next().unwrap().to_string();
    assert_eq!(pin.len(), 22);
    publish(&mut s, c, next, "_INBOX.r.d", "{\"batch\":1,\"group\":\"G\",\"expires\":1000000000}");
    publish(&mut s, c, next, "_INBOX.r.e", &format!("{{\"batch\":1,\"group\":\"G\",\"id\":\"{pin}\"}}"));
    let o = out(&mut s, c);
    assert!(o.starts_with("HMSG $KV.r.2 24 ") && o.contains(&pin) && !o.contains(" 23 "), "{o}");
    publish(&mut s, c, next, "_INBOX.r.f", "{\"batch\":1,\"group\":\"G\",\"id\":\"stale\"}");
    assert!(out(&mut s, c).contains("NATS/1.0 423 Nats-Pin-Id mismatch"));
    // The pin lapses after its timeout without a request from its client; the next request pins anew.
    s.handle_timeout(5_200);
    out(&mut s, c);
    publish(&mut s, c, next, "_INBOX.r.g", "{\"batch\":1,\"group\":\"G\"}");
    let o = out(&mut s, c);
    assert!(o.contains(" 26 ") && o.contains("Nats-Pin-Id: ") && !o.contains(&pin), "a new pin: {o}");
}

/// Schedules fire on the engine's clock: a repeating one every interval (naming when it fires next), a
/// one-off once, after which its schedule message is purged; a watcher of the target sees each firing.
#[test]
fn schedules_fire_on_the_engine_clock() {
    let mut s = server();
    let c = client(&mut s, "");
    send(&mut s, c, "SUB _INBOX.api.* 99\r\n");
    let cfg = "{\"name\":\"SX\",\"subjects\":[\"sx.>\",\"tx.>\"],\"allow_msg_schedules\":true}";
    publish(&mut s, c, "$JS.API.STREAM.CREATE.SX", "_INBOX.api.1", cfg);
    assert!(payloads(&out(&mut s, c)).pop().unwrap()["config"]["allow_rollup_hdrs"] == true);
    send(&mut s, c, "SUB _INBOX.w 4\r\n");
    consumer(
        &mut s,
        c,
        "$JS.API.CONSUMER.CREATE.SX",
        "{\"deliver_subject\":\"_INBOX.w\",\"ack_policy\":\"none\",\"deliver_policy\":\"new\",\"filter_subject\":\"tx.>\"}",
    );
    let at = crate::engine::time::rfc3339_nanos(T0 + 3 * NANOS_PER_SEC);
    hpub(
        &mut s,
        c,
        "sx.once",
        "_INBOX.api.2",
        &[("Nats-Schedule", &format!("@at {at}")), ("Nats-Schedule-Target", "tx.once")],
        "hi",
    );
    hpub(
        &mut s,
        c,
        "sx.rep",
        "_INBOX.api.3",
        &[("Nats-Schedule", "@every 2s"), ("Nats-Schedule-Target", "tx.rep")],
        "tick",
    );
    out(&mut s, c);
    s.set_time(T0 + NANOS_PER_SEC);
    assert_eq!(out(&mut s, c), "", "nothing is due yet");
    s.set_time(T0 + 3 * NANOS_PER_SEC + NANOS_PER_SEC / 2);
    let o = out(&mut s, c);
    let fired: Vec<&str> =
        o.lines().filter(|l| l.starts_with("HMSG tx.")).map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(fired, ["tx.rep", "tx.once"], "the repeating one at 2 s, the one-off at 3 s: {o}");
    assert!(o.contains("Nats-Scheduler: sx.once\r\nNats-Schedule-Next: purge"), "{o}");
    let next = crate::engine::time::rfc3339_nanos(T0 + 4 * NANOS_PER_SEC);
    assert!(o.contains(&format!("Nats-Scheduler: sx.rep\r\nNats-Schedule-Next: {next}")), "{o}");
    // The one-off's schedule is gone; the repeating one's stays and fires again.
    publish(&mut s, c, "$JS.API.STREAM.MSG.GET.SX", "_INBOX.api.4", "{\"last_by_subj\":\"sx.once\"}");
    assert_eq!(payloads(&out(&mut s, c)).pop().unwrap()["error"]["err_code"], 10037);
    s.set_time(T0 + 6 * NANOS_PER_SEC);
    assert!(out(&mut s, c).contains("HMSG tx.rep 4 "));
}
