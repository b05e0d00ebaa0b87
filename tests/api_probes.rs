//! The JetStream API and the protocol probed raw on both servers: `tests/conformance/api_probes.py` sends every
//! probe of `tests/conformance/api_probes.json` (requests, publishes, subscriptions) to a fresh nats-server and
//! to `kvplay serve`, prints one normalised line per answer, and the two transcripts must be equal. Adding a case
//! means adding a JSON entry. The advisories a server publishes are compared the same way.

mod support;

use std::process::Command;

use support::{python, root, start_kvplay_serve, start_server};

/// Runs the probe program against a server and returns what it printed (stdout and stderr).
fn probe(port: u16) -> String {
    let out = Command::new(python())
        .arg(root().join("tests/conformance/api_probes.py"))
        .arg(root().join("tests/conformance/api_probes.json"))
        .arg(format!("nats://127.0.0.1:{port}"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run the probe program: {e}"));
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn every_probe_gets_the_answer_nats_server_gives() {
    let real = start_server(root(), 9_101);
    let served = start_kvplay_serve();
    let (theirs, ours) = std::thread::scope(|s| {
        let a = s.spawn(|| probe(real.port));
        let b = s.spawn(|| probe(served.port));
        (a.join().expect("real run"), b.join().expect("served run"))
    });
    served.stop();
    let probes = std::fs::read_to_string(root().join("tests/conformance/api_probes.json")).expect("the probes");
    let count = serde_json::from_str::<Vec<serde_json::Value>>(&probes).expect("the probes are JSON").len();
    assert_eq!(theirs.lines().count(), count, "nats-server's transcript is incomplete:\n{theirs}");
    let first = theirs.lines().zip(ours.lines()).position(|(a, b)| a != b);
    if first.is_some() || theirs.lines().count() != ours.lines().count() {
        let line = first.unwrap_or_else(|| theirs.lines().count().min(ours.lines().count()));
        panic!(
            "the servers differ at line {}:\n  nats-server:  {}\n  kvplay serve: {}\n--- kvplay serve\n{ours}",
            line + 1,
            theirs.lines().nth(line).unwrap_or("<end>"),
            ours.lines().nth(line).unwrap_or("<end>")
        );
    }
}

/// Runs a conformance program (`tests/conformance/NAME`, given a port) on a fresh nats-server and on `kvplay
/// serve` at once: what each printed.
fn side_by_side(program: &str, n: usize) -> (String, String) {
    let real = start_server(root(), n);
    let served = start_kvplay_serve();
    let run = |port: u16| {
        let out = Command::new(python())
            .arg(root().join("tests/conformance").join(program))
            .arg(port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let both = std::thread::scope(|s| {
        let a = s.spawn(|| run(real.port));
        let b = s.spawn(|| run(served.port));
        (a.join().expect("real run"), b.join().expect("served run"))
    });
    served.stop();
    both
}

/// JetStream's advisories (`$JS.EVENT.ADVISORY.`), which `nats events` and the clients' advisory listeners read:
/// what `tests/conformance/advisories.py` hears must be what nats-server publishes.
#[test]
fn advisories_are_published_as_nats_server_publishes_them() {
    let (theirs, ours) = side_by_side("advisories.py", 9_102);
    assert!(theirs.lines().count() >= 10, "too few advisories from nats-server:\n{theirs}");
    assert_eq!(theirs, ours);
}

/// Durable sourcing: a source and a mirror fed by a consumer on the origin, one whose consumer is missing; what
/// `tests/conformance/durable_source.py` reads back must be what nats-server shows.
#[test]
fn sources_read_through_a_durable_consumer_as_on_nats_server() {
    let (theirs, ours) = side_by_side("durable_source.py", 9_103);
    assert!(theirs.contains("UP:C="), "nats-server copied nothing through the consumer:\n{theirs}");
    assert_eq!(theirs, ours);
}
