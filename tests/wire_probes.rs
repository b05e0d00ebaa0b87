//! The server on the wire, byte for byte beside nats-server: every probe in `tests/conformance/wire/` (raw
//! protocol steps: pull consumers and their statuses, acknowledgements and redelivery, consumer configuration
//! defaults and refusals, no-responders) runs against a fresh nats-server and a fresh `kvplay serve`, and what
//! each printed, normalised by `tests/conformance/wire_probe.py`, must be equal. Adding a case is adding steps to
//! a probe file, or a new file. The core protocol's cases (`tests/conformance/protocol/`: malformed and unusual
//! operations, CONNECT's options, limits), each on connections of its own, are compared the same way.

mod support;

use std::process::Command;

use support::{python, root, start_kvplay_serve, start_server};

fn probe(file: &std::path::Path, port: u16) -> String {
    let out = Command::new(python())
        .arg(root().join("tests/conformance/wire_probe.py"))
        .arg(file)
        .arg(port.to_string())
        .output()
        .expect("run the wire probe");
    assert!(out.status.success(), "the probe failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_wire_probe_reads_the_same_on_both_servers() {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/conformance/wire"))
        .expect("the probes")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    // Each file on fresh servers, the files in parallel: the probes wait on real timers (expiries, heartbeats).
    let results: Vec<(String, String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                scope.spawn(move || {
                    let real = start_server(root(), 9_100 + i);
                    let ours = start_kvplay_serve();
                    let (theirs, mine) = std::thread::scope(|s| {
                        let a = s.spawn(|| probe(f, real.port));
                        let b = s.spawn(|| probe(f, ours.port));
                        (a.join().expect("real"), b.join().expect("ours"))
                    });
                    ours.stop();
                    (f.display().to_string(), theirs, mine)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a probe file")).collect()
    });
    let mut failures = Vec::new();
    for (name, theirs, ours) in results {
        assert!(theirs.lines().count() > 10, "{name}: too little from nats-server:\n{theirs}");
        if theirs != ours {
            let line = theirs.lines().zip(ours.lines()).position(|(a, b)| a != b).unwrap_or(0);
            let step = theirs.lines().take(line + 1).filter(|l| l.starts_with("## ")).last().unwrap_or("");
            failures.push(format!(
                "{name}, step {step}, line {}:\n  nats-server:  {}\n  kvplay serve: {}",
                line + 1,
                theirs.lines().nth(line).unwrap_or("<end>"),
                ours.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each core protocol case (`tests/conformance/protocol/*.json`, sent by `protocol_probe.py`) gets from
/// `kvplay serve` what it gets from nats-server: the same operations back, and the connection closed or not.
#[test]
fn every_protocol_case_reads_the_same_on_both_servers() {
    let file = root().join("tests/conformance/protocol/core.json");
    let run = |port: u16| {
        let out = Command::new(python())
            .arg(root().join("tests/conformance/protocol_probe.py"))
            .arg(&file)
            .arg(port.to_string())
            .output()
            .expect("run the protocol probe");
        assert!(out.status.success(), "the probe failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let real = start_server(root(), 9_190);
    let ours = start_kvplay_serve();
    let (theirs, mine) = std::thread::scope(|s| {
        let a = s.spawn(|| run(real.port));
        let b = s.spawn(|| run(ours.port));
        (a.join().expect("real"), b.join().expect("ours"))
    });
    ours.stop();
    let cases = |text: &str| -> Vec<(String, String)> {
        text.split("## ")
            .skip(1)
            .map(|c| c.split_once('\n').map(|(n, r)| (n.to_string(), r.to_string())).unwrap_or_default())
            .collect()
    };
    let (theirs, mine) = (cases(&theirs), cases(&mine));
    assert!(theirs.len() > 150, "too few cases ran on nats-server: {}", theirs.len());
    assert_eq!(theirs.len(), mine.len());
    let failures: Vec<String> = theirs
        .iter()
        .zip(&mine)
        .filter(|(a, b)| a != b)
        .map(|((name, a), (_, b))| format!("{name}:\n  nats-server:  {a}  kvplay serve: {b}"))
        .collect();
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
}
