//! Engine benchmark: put, get, history and watch fan-out on 100,000 keys, each reported beside a plain `HashMap`
//! doing the same inserts and lookups in the same run. Run with `cargo bench --bench engine`; the figures go into
//! BENCHMARKS.md. Timings are a report, not a test: nothing here asserts a speed.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use nats_kv_playground::backend::KvBackend;
use nats_kv_playground::engine::{Config, WatchOptions};

const N: usize = 100_000;

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed().as_secs_f64(), r)
}

fn main() {
    let keys: Vec<String> = (0..N).map(|i| format!("key.{i}")).collect();
    let value = b"some value of moderate size".to_vec();

    let (map_put, mut map) = time(|| {
        let mut m: HashMap<String, Vec<u8>> = HashMap::new();
        for k in &keys {
            m.insert(k.clone(), value.clone());
        }
        m
    });
    let (map_get, _) = time(|| {
        let mut n = 0usize;
        for k in &keys {
            n += map.get(k).map(|v| v.len()).unwrap_or(0);
        }
        black_box(n)
    });

    let mut cfg = Config::new("bench");
    cfg.history = 5;
    let mut e = nats_kv_playground::server::Standalone::embedded(0);
    e.create_bucket(&cfg).unwrap();
    let (kv_put, _) = time(|| {
        for k in &keys {
            e.put("bench", k, &value).unwrap();
        }
    });
    let (kv_get, _) = time(|| {
        let mut n = 0usize;
        for k in &keys {
            n += e.get("bench", k).map(|v| v.value.len()).unwrap_or(0);
        }
        black_box(n)
    });
    // A second round of puts gives every key two revisions.
    for k in &keys {
        e.put("bench", k, &value).unwrap();
    }
    let sample: Vec<&String> = keys.iter().step_by(100).collect();
    let (kv_history, _) = time(|| {
        let mut n = 0usize;
        for k in &sample {
            n += e.history("bench", k).map(|h| h.len()).unwrap_or(0);
        }
        black_box(n)
    });
    let (map_history, _) = time(|| {
        let mut n = 0usize;
        for k in &sample {
            n += map.get(*k).map(|v| v.len()).unwrap_or(0);
        }
        black_box(n)
    });

    // Watch fan-out: 100 watchers on the bucket, 10,000 puts, every watcher drained.
    let watchers: Vec<_> = (0..100)
        .map(|_| e.watch("bench", &[], WatchOptions { updates_only: true, ..Default::default() }).unwrap())
        .collect();
    let (kv_watch, delivered) = time(|| {
        let mut delivered = 0usize;
        for k in keys.iter().take(10_000) {
            e.put("bench", k, &value).unwrap();
        }
        for w in &watchers {
            delivered += e.poll_watch(*w).len();
        }
        delivered
    });
    let (map_watch, _) = time(|| {
        for k in keys.iter().take(10_000) {
            map.insert(k.clone(), value.clone());
        }
    });

    let row = |name: &str, kv: f64, base: f64, ops: usize| {
        println!(
            "| {name} | {ops} | {:.1} ms | {:.1} ms | {:.1}x | {:.0} ns |",
            kv * 1e3,
            base * 1e3,
            kv / base,
            kv * 1e9 / ops as f64
        );
    };
    println!("| operation | ops | engine | HashMap | ratio | engine per op |");
    println!("|---|---|---|---|---|---|");
    row("put (new keys)", kv_put, map_put, N);
    row("get", kv_get, map_get, N);
    row("history (2 revisions)", kv_history, map_history, sample.len());
    row("put with 100 watchers, drained", kv_watch, map_watch, 10_000);
    println!("\nwatch events delivered: {delivered}");
}
