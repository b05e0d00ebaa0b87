"""A workshop's server under its learners: `kvplay workshop` starts the real nats-server from its generated
configuration, then N simulated learners (nats-py, one connection each, with their own credentials) join at once
and run the workshop's small lesson (tests/data/workshop/first-bucket.md) as the page does: presence, a bucket
`my-kv` of their own, its steps' KV operations, and each step's verdict written into the instructor's progress
bucket through their account's import; each also subscribes to the instructor's news, as the page does. A
learner thinks 0 to 2 s between steps (seeded), so the run is a burst, as when a room starts a lesson together.

Reports, for 30 and 200 learners: the time from a learner's verdict (just before its progress write) to the
instructor's KV watch on the progress bucket receiving it (nats-py's ordered push consumer, as the board's is:
median, 95th percentile, max), and nats-server's CPU (seconds of user+system time over the run, and as a share of
one core) and memory (RSS when idle after start, and its peak during the run, from /proc).

Usage: python scripts/bench_workshop.py [KVPLAY] [NATS_SERVER] [--learners 30,200]
(KVPLAY defaults to $CARGO_TARGET_DIR/debug/kvplay, NATS_SERVER to .tools/venv/bin/nats-server; run it with the
project's venv Python, which has nats-py.)
"""

import asyncio
import json
import os
import pathlib
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nats

ROOT = pathlib.Path(__file__).resolve().parent.parent
LESSON = ROOT / "tests/data/workshop/first-bucket.md"
STEPS = ["A first bucket", "Make a bucket", "Write a key once", "Update it from its revision", "Your turn"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_children(pid):
    try:
        return [int(c) for c in pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def passwords(conf):
    out = {}
    for line in conf.splitlines():
        if "user:" in line and "password:" in line:
            user = line.split("user:", 1)[1].split('"')[1]
            out[user] = line.split("password:", 1)[1].split('"')[1]
    return out


def record(name, step, verdict):
    return json.dumps({
        "learner": name, "lesson": "first-bucket", "step": step, "steps": len(STEPS), "title": STEPS[step - 1],
        "verdict": verdict, "attempts": 1, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }).encode()


async def learner(name, password, port, sent, rng):
    """One learner's lesson; `sent[key]` is when each progress record's verdict was reached."""
    nc = await nats.connect(f"nats://{name}:{password}@127.0.0.1:{port}", max_reconnect_attempts=0)
    async def banner(msg):
        pass

    await nc.subscribe("kvplay.news.>", cb=banner)
    js = nc.jetstream()

    async def progress(key, value):
        sent[key] = time.perf_counter()
        ack = json.loads((await nc.request(f"$KV.kvplay_progress.{key}", value, timeout=10)).data)
        assert "seq" in ack, ack

    async def step(n, verdict):
        await progress(f"{name}.first-bucket.{n}", record(name, n, verdict))
        await progress(f"{name}.presence", json.dumps({"learner": name, "lesson": "first-bucket", "step": n}).encode())
        await asyncio.sleep(rng.uniform(0, 2))

    await progress(f"{name}.presence", json.dumps({"learner": name, "lesson": "first-bucket", "step": 0}).encode())
    await step(1, "shown")
    kv = await js.create_key_value(bucket="my-kv")
    await step(2, "pass")
    await kv.create("greeting", b"hello")
    assert (await kv.get("greeting")).value == b"hello"
    await step(3, "pass")
    await kv.update("greeting", b"hi", last=1)
    assert (await kv.get("greeting")).value == b"hi"
    await step(4, "pass")
    await kv.put("color", b"blue")
    await step(5, "pass")
    await nc.close()


async def run(n, kvplay, nats_server):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="kvplay-bench-workshop-"))
    (tmp / "site").mkdir()
    (tmp / "site/index.html").write_text("<!doctype html><title>bench</title>")
    port, ws, http = free_port(), free_port(), free_port()
    ws_proc = subprocess.Popen(
        [kvplay, "workshop", str(LESSON), "--seats", str(n), "--out", str(tmp / "w"), "--site", str(tmp / "site"),
         "--nats-server", nats_server, "--port", str(port), "--ws-port", str(ws), "--http-port", str(http)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in ws_proc.stdout:
            if line.startswith("Workshop is running"):
                break
        else:
            raise SystemExit(f"the workshop did not start: {ws_proc.stderr.read()}")
        server = proc_children(ws_proc.pid)[0]
        pw = passwords((tmp / "w/accounts.conf").read_text())
        seen = {}
        inst = await nats.connect(f"nats://instructor:{pw['instructor']}@127.0.0.1:{port}")
        board = await inst.jetstream().key_value("kvplay_progress")
        watcher = await board.watchall()

        async def watch():
            async for e in watcher:
                if e is not None:
                    seen.setdefault((e.key, e.revision), time.perf_counter())

        watching = asyncio.create_task(watch())
        idle_rss = rss_mb(server)
        cpu0, t0 = cpu_seconds(server), time.perf_counter()
        peak = idle_rss
        names = [u for u in pw if u != "instructor"]
        latencies = []

        # Every write's latency: a watch entry whose key was written at `sent[key]` (the last write of each key
        # before its arrival; presence keys are rewritten, so each arrival pairs with the send just before it).
        sends = []

        class Log(dict):
            def __setitem__(self, k, v):
                sends.append((k, v))
                super().__setitem__(k, v)

        async def sampler():
            nonlocal peak
            while True:
                peak = max(peak, rss_mb(server))
                await asyncio.sleep(0.05)

        sampling = asyncio.create_task(sampler())
        await asyncio.gather(*(learner(nm, pw[nm], port, Log(), random.Random(i)) for i, nm in enumerate(names)))
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(server) - cpu0
        expected = len(sends)
        deadline = time.perf_counter() + 10
        while len(seen) < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        sampling.cancel()
        watching.cancel()
        # Pair each arrival with its send, in order per key.
        by_key = {}
        for k, t in sends:
            by_key.setdefault(k, []).append(t)
        arrivals = {}
        for (k, rev), t in sorted(seen.items(), key=lambda kv: kv[0][1]):
            arrivals.setdefault(k, []).append(t)
        for k, ts in by_key.items():
            for s, a in zip(ts, arrivals.get(k, [])):
                latencies.append((a - s) * 1000)
        await inst.close()
        return {
            "learners": n, "writes": expected, "received": len(seen), "wall": wall, "cpu": cpu,
            "idle_rss": idle_rss, "peak_rss": peak, "latencies": sorted(latencies),
        }
    finally:
        ws_proc.send_signal(2)
        try:
            ws_proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            ws_proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    counts = [30, 200]
    if "--learners" in sys.argv:
        counts = [int(x) for x in sys.argv[sys.argv.index("--learners") + 1].split(",")]
        args = [a for a in args if a != sys.argv[sys.argv.index("--learners") + 1]]
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    kvplay = args[0] if args else f"{target}/debug/kvplay"
    nats_server = args[1] if len(args) > 1 else str(ROOT / ".tools/venv/bin/nats-server")
    version = subprocess.run([nats_server, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Measured on {time.strftime('%Y-%m-%d', time.gmtime())} ({os.cpu_count()} cores), {version}.\n")
    print("| learners | progress writes | verdict to watch: median | p95 | max | run | server CPU | CPU share of a core | RSS idle | RSS peak |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in counts:
        r = asyncio.run(run(n, kvplay, nats_server))
        lat = r["latencies"]
        p95 = lat[int(len(lat) * 0.95) - 1] if lat else float("nan")
        print(f"| {n} | {r['writes']} ({r['received']} seen) | {statistics.median(lat):.1f} ms | {p95:.1f} ms | "
              f"{max(lat):.1f} ms | {r['wall']:.1f} s | {r['cpu']:.2f} s | {100 * r['cpu'] / r['wall']:.0f}% | "
              f"{r['idle_rss']:.0f} MB | {r['peak_rss']:.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
