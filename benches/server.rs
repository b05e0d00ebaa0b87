//! Server benchmark: the full-size load of issue 11 through the sans-I/O core in release mode: 200 connections
//! each watching a bucket through a push consumer while 4 clients publish a burst of 100,000 puts. Prints a
//! Markdown table for BENCHMARKS.md. A report, not a test (the test suite runs the same load at a smaller scale
//! and checks every delivery).

use std::time::Instant;

use nats_kv_playground::engine::Engine;
use nats_kv_playground::server::{ServerOptions, Standalone};

fn main() {
    const WATCHERS: usize = 200;
    const WRITERS: usize = 4;
    const PUTS: usize = 100_000;
    let mut s = Standalone::new(ServerOptions::default(), Engine::new(0));
    let greet = |s: &mut Standalone| {
        let c = s.accept("127.0.0.1");
        s.handle_bytes(c, b"CONNECT {\"headers\":true,\"no_responders\":true}\r\n");
        while s.poll_transmit(c).is_some() {}
        c
    };
    let admin = greet(&mut s);
    s.handle_bytes(admin, b"SUB _INBOX.a.* 1\r\n");
    let body = br#"{"name":"KV_load","subjects":["$KV.load.>"],"max_msgs_per_subject":1,"discard":"new","allow_rollup_hdrs":true}"#;
    s.handle_bytes(admin, format!("PUB $JS.API.STREAM.CREATE.KV_load _INBOX.a.1 {}\r\n", body.len()).as_bytes());
    s.handle_bytes(admin, body);
    s.handle_bytes(admin, b"\r\n");
    let mut watchers = Vec::new();
    for i in 0..WATCHERS {
        let w = greet(&mut s);
        s.handle_bytes(w, format!("SUB _INBOX.w{i} 1\r\n").as_bytes());
        let cfg = format!(
            "{{\"stream_name\":\"KV_load\",\"config\":{{\"deliver_subject\":\"_INBOX.w{i}\",\"ack_policy\":\"none\",\"deliver_policy\":\"new\"}}}}"
        );
        s.handle_bytes(
            admin,
            format!("PUB $JS.API.CONSUMER.CREATE.KV_load _INBOX.a.2 {}\r\n{cfg}\r\n", cfg.len()).as_bytes(),
        );
        watchers.push(w);
    }
    let writers: Vec<_> = (0..WRITERS).map(|_| greet(&mut s)).collect();
    for (i, w) in writers.iter().enumerate() {
        s.handle_bytes(*w, format!("SUB _INBOX.ack{i}.* 1\r\n").as_bytes());
    }
    let mut delivered_bytes = 0usize;
    let t = Instant::now();
    for n in 0..PUTS {
        let w = writers[n % WRITERS];
        s.handle_bytes(w, format!("PUB $KV.load.k{} _INBOX.ack{}.{n} 1\r\nx\r\n", n % 1000, n % WRITERS).as_bytes());
        if n % 500 == 499 {
            for c in watchers.iter().chain(writers.iter()) {
                while let Some(b) = s.poll_transmit(*c) {
                    delivered_bytes += b.len();
                }
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let deliveries = WATCHERS * PUTS;
    println!("| what | figure |\n|---|---|");
    println!("| puts (acknowledged) | {PUTS} from {WRITERS} clients |");
    println!("| watchers | {WATCHERS} connections, one push consumer each |");
    println!("| deliveries | {deliveries} ({:.0} MB on the wire) |", delivered_bytes as f64 / 1e6);
    println!("| time | {secs:.2} s |");
    println!("| per put (ack and 200 deliveries) | {:.1} µs |", secs * 1e6 / PUTS as f64);
    println!("| per delivery | {:.2} µs |", secs * 1e6 / deliveries as f64);
}
