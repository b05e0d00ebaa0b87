//! Model-based tests: random operation sequences run against the engine and against a tiny reference model of
//! KV semantics; every result must agree. A second test throws random command lines at a session: nothing may
//! panic, and the engine must stay consistent.

use std::collections::{BTreeMap, VecDeque};

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::engine::{Config, ErrorKind, Operation, WatchEvent, WatchOptions};
use nats_kv_playground::session::Session;

/// A small deterministic generator (xorshift64*), so failures replay from their seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// The reference: one revision counter, and per key its kept messages (revision, operation, value).
#[derive(Default)]
struct Model {
    history: usize,
    seq: u64,
    keys: BTreeMap<String, VecDeque<(u64, Operation, Vec<u8>)>>,
}

impl Model {
    fn latest(&self, k: &str) -> Option<&(u64, Operation, Vec<u8>)> {
        self.keys.get(k).and_then(|q| q.back())
    }
    fn append(&mut self, k: &str, op: Operation, v: &[u8]) -> u64 {
        self.seq += 1;
        let q = self.keys.entry(k.to_string()).or_default();
        if op == Operation::Purge {
            q.clear();
        }
        q.push_back((self.seq, op, v.to_vec()));
        while q.len() > self.history {
            q.pop_front();
        }
        self.seq
    }
    fn live_keys(&self) -> Vec<String> {
        let mut v: Vec<(u64, String)> = self
            .keys
            .iter()
            .filter_map(|(k, q)| q.back().filter(|m| m.1 == Operation::Put).map(|m| (m.0, k.clone())))
            .collect();
        v.sort();
        v.into_iter().map(|(_, k)| k).collect()
    }
}

#[test]
fn engine_agrees_with_the_reference_model() {
    let keys = ["a", "b", "c", "d.e", "d.f"];
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let history = 1 + rng.below(5) as i64;
        let mut cfg = Config::new("m");
        cfg.history = history;
        let mut e = nats_kv_playground::server::Standalone::embedded(0);
        e.create_bucket(&cfg).unwrap();
        let watch = e.watch("m", &[], WatchOptions { include_history: true, ..Default::default() }).unwrap();
        let mut m = Model { history: history as usize, ..Model::default() };
        let mut seen_revisions: Vec<u64> = Vec::new();
        for step in 0..300 {
            let k = *rng.pick(&keys);
            let v = format!("v{}", rng.below(100)).into_bytes();
            let ctx = format!("seed {seed} step {step} key {k}");
            match rng.below(8) {
                0 | 1 => assert_eq!(e.put("m", k, &v).unwrap(), m.append(k, Operation::Put, &v), "{ctx}"),
                2 => {
                    let has_value = m.latest(k).is_some_and(|x| x.1 == Operation::Put);
                    match e.create("m", k, &v, 0) {
                        Ok(rev) => {
                            assert!(!has_value, "{ctx}: create over a value");
                            assert_eq!(rev, m.append(k, Operation::Put, &v), "{ctx}");
                        }
                        Err(err) => {
                            assert!(has_value, "{ctx}: create refused: {err}");
                            assert_eq!(err.kind, ErrorKind::KeyExists, "{ctx}");
                        }
                    }
                }
                3 => {
                    let last = m.latest(k).map(|x| x.0).unwrap_or(0);
                    let guess = if rng.below(2) == 0 { last } else { rng.below(m.seq + 2) };
                    match e.update("m", k, &v, guess) {
                        Ok(rev) => {
                            assert_eq!(guess, last, "{ctx}");
                            assert_eq!(rev, m.append(k, Operation::Put, &v), "{ctx}");
                        }
                        Err(err) => {
                            assert_ne!(guess, last, "{ctx}");
                            assert_eq!(err.api.unwrap().description, format!("wrong last sequence: {last}"), "{ctx}");
                        }
                    }
                }
                4 => assert_eq!(e.delete("m", k).unwrap(), m.append(k, Operation::Delete, b""), "{ctx}"),
                5 => assert_eq!(e.purge("m", k, 0).unwrap(), m.append(k, Operation::Purge, b""), "{ctx}"),
                6 => match (e.get("m", k), m.latest(k)) {
                    (Ok(got), Some((rev, Operation::Put, val))) => {
                        assert_eq!((got.revision, &got.value), (*rev, val), "{ctx}")
                    }
                    (Err(err), latest) => {
                        assert_eq!(err.kind, ErrorKind::KeyNotFound, "{ctx}");
                        assert!(latest.is_none_or(|x| x.1 != Operation::Put), "{ctx}");
                    }
                    (Ok(got), other) => panic!("{ctx}: engine has {got:?}, model {other:?}"),
                },
                _ => {
                    let want: Vec<u64> = m.keys.get(k).map(|q| q.iter().map(|x| x.0).collect()).unwrap_or_default();
                    let got: Vec<u64> =
                        e.history("m", k).map(|h| h.iter().map(|x| x.revision).collect()).unwrap_or_default();
                    assert_eq!(got, want, "{ctx}: history");
                }
            }
            assert_eq!(e.keys("m", &[]).unwrap(), m.live_keys(), "seed {seed} step {step}: keys");
            let kept: usize = m.keys.values().map(|q| q.len()).sum();
            assert_eq!(e.status("m").unwrap().values, kept as u64, "seed {seed} step {step}: values");
            for ev in e.poll_watch(watch) {
                if let WatchEvent::Entry(en) = ev {
                    seen_revisions.push(en.revision);
                }
            }
        }
        let expected: Vec<u64> = (1..=m.seq).collect();
        assert_eq!(seen_revisions, expected, "seed {seed}: a watcher sees every revision exactly once, in order");
    }
}

#[test]
fn random_command_lines_never_panic_or_corrupt_state() {
    let words = [
        "nats",
        "kv",
        "account",
        "info",
        "add",
        "edit",
        "put",
        "get",
        "create",
        "update",
        "del",
        "rm",
        "purge",
        "history",
        "revert",
        "status",
        "watch",
        "ls",
        "compact",
        "b",
        "c",
        "k",
        "k.x",
        ">",
        "*",
        "--history",
        "--ttl",
        "--marker-ttl",
        "--max-value-size",
        "--max-bucket-size",
        "--storage",
        "memory",
        "--replicas",
        "--compress",
        "--revision",
        "--raw",
        "-f",
        "--force",
        "--no-deletes",
        "--updates",
        "-n",
        "-v",
        "--help",
        "1",
        "0",
        "5",
        "64",
        "65",
        "-1",
        "1s",
        "10",
        "1K",
        "'",
        "\"",
        "\\",
        "--",
        "=",
        "ü",
        "\u{0}",
        "\u{202e}",
        "<script>",
        "999999999999999999999999",
        "yes",
        "no",
        "interrupt",
    ];
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let mut s = Session::new(nats_kv_playground::server::Standalone::embedded(0));
        s.run_line("nats kv add b --history 5", 0);
        for step in 0..60u64 {
            let n = 1 + rng.below(7);
            let mut line: Vec<String> = Vec::new();
            if rng.below(4) != 0 {
                line.push("nats".into());
                line.push("kv".into());
            }
            for _ in 0..n {
                if rng.below(10) == 0 {
                    let bytes: Vec<u8> = (0..rng.below(6)).map(|_| rng.below(256) as u8).collect();
                    line.push(String::from_utf8_lossy(&bytes).into_owned());
                } else {
                    line.push(rng.pick(&words).to_string());
                }
            }
            let text = line.join(if rng.below(5) == 0 { "" } else { " " });
            let r = s.run_line(&text, step as i64 * 1_000_000_000);
            if r.question.is_some() {
                s.answer(rng.below(2) == 0);
            }
            // Whatever happened, the engine's accounting must still add up.
            for bucket in s.backend.engine.bucket_names() {
                let st = s.backend.status(&bucket).unwrap();
                let mut counted = 0u64;
                for k in s.backend.keys(&bucket, &[]).unwrap_or_default() {
                    assert!(s.backend.get(&bucket, &k).is_ok(), "seed {seed}: listed key {k} must have a value");
                }
                if let Some(stream) = s.backend.bucket_stream(&bucket) {
                    counted = stream.messages().count() as u64;
                }
                assert_eq!(st.values, counted, "seed {seed} line {text:?}");
            }
        }
    }
}

#[test]
fn random_lessons_links_and_imports_never_panic() {
    use nats_kv_playground::lesson::{
        self,
        runner::{run_all, VirtualClock},
    };
    use nats_kv_playground::transfer;
    let pieces = [
        "# T\n",
        "## Step\n",
        "### Sub\n",
        "```shell\n",
        "```\n",
        "```python\n",
        "```kv-ops\n",
        "```output\n",
        "```exercise\n",
        "nats kv add b\n",
        "nats kv put b k v\n",
        "nats kv update b k v 13\n",
        "nats kv get b k\n",
        "nats: error: nats: wrong last sequence: 1\n",
        "b > k created @ 12 Oct 21 20:08 UTC\n",
        "let x = get b k\n",
        "print {x.value}\n",
        "each x {it.revision}\n",
        "goal: g\n",
        "check: bucket b history 1\n",
        "hint: nats kv add b\n",
        "sleep 1s\n",
        "which may return\n",
        "text\n",
        "\n",
        "~~~\n",
        "- item\n",
        "[link](http://x)\n",
        "ü\u{0}\n",
    ];
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let md: String = (0..rng.below(40)).map(|_| *rng.pick(&pieces)).collect();
        let mut s = Session::new(nats_kv_playground::server::Standalone::embedded(0));
        let _ = run_all(lesson::parse(&md), &mut s, &mut VirtualClock(0));
        let junk: String = (0..rng.below(60)).map(|_| (rng.below(94) as u8 + 33) as char).collect();
        let _ = transfer::decode_share(&junk);
        let _ = transfer::import(&junk, 0);
        let _ = transfer::load_state(&junk, 0);
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.below(256) as u8).collect();
        let _ = transfer::import(&String::from_utf8_lossy(&bytes), 0);
    }
}
