"""`kvplay serve` beside nats-server in one run (issue 22's measurements; a report, not a test).

Usage: python bench_side_by_side.py KVPLAY NATS_SERVER [--quick]

Each measurement starts a fresh server of each kind (nats-server with `-js -sd DIR`, so buckets are file
storage as the clients create them; kvplay serve keeps everything in memory) and reads the server process's
memory from /proc/PID/status. Prints a Markdown section on stdout (scripts/bench.sh puts it into
BENCHMARKS.md) and progress on stderr.

- load: 200 KV watchers (push consumers configured as nats-py's `kv.watch(">")` configures its ordered
  consumer: flow control, 5 s idle heartbeats, ack none, memory storage) on 4 connections, and 100,000 puts from
  4 pipelining publishers (raw protocol; each put waits for its PubAck within a window): time from the first put
  until every watching connection has every put, and the server's peak RSS (VmHWM).
- put latency: sequential `kv.put` with nats-py (median, p99) on 1 bucket; on the same server after 9,999 more
  buckets are created (in memory: nats-server takes minutes to create as many file-storage streams); and, on a
  fresh server, with 100,000 keys in the bucket and one idle watcher whose
  pattern matches nothing.
- connect: 1,000 raw clients connecting at once, each reading INFO, sending CONNECT and PING and reading PONG.
- overwrites: 1 GiB of 64 KiB puts to one key of a bucket with max_bytes 10 MiB (pipelined), then VmRSS.

The clients are Python: on a small machine they share its cores with the server they measure.
"""
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy, AckPolicy

QUICK = "--quick" in sys.argv
args = [a for a in sys.argv[1:] if not a.startswith("--")]
KVPLAY, NATS_SERVER = args[0], args[1]

WATCHERS, WATCH_CONNS, PUTS, PUBLISHERS, PUT_WINDOW = 200, 4, (10_000 if QUICK else 100_000), 4, 256
LAT_N, BUCKETS, FILL_KEYS = (300 if QUICK else 5000), (1_000 if QUICK else 10_000), (10_000 if QUICK else 100_000)
CLIENTS, CONNECT_ROUNDS = 1000, 3
OVERWRITE_BYTES, VALUE = (128 << 20 if QUICK else 1 << 30), 64 * 1024



def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    """One server process: `kind` is "kvplay" or "nats"."""

    def __init__(self, kind):
        self.kind, self.port = kind, free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-sd-")
        if kind == "kvplay":
            cmd = [KVPLAY, "serve", "-p", str(self.port), "--websocket-port", "0"]
        else:
            cmd = [NATS_SERVER, "-js", "-p", str(self.port), "-sd", self.dir]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"nats://127.0.0.1:{self.port}"

    def status(self, field):
        """A memory figure of the process from /proc/PID/status, in bytes."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


async def raw_connect(port):
    """A raw protocol connection past its handshake (INFO, CONNECT, PING, PONG)."""
    r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
    await r.readuntil(b"\r\n")  # INFO
    w.write(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\nPING\r\n')
    while (await r.readuntil(b"\r\n")) != b"PONG\r\n":
        pass
    return r, w


class Counter:
    """Counts a pattern in a byte stream read in chunks (a match may straddle two chunks)."""

    def __init__(self, pattern):
        self.pattern, self.carry, self.n = pattern, b"", 0

    def feed(self, data):
        both = self.carry + data
        self.n += both.count(self.pattern)
        self.carry = both[-(len(self.pattern) - 1):]


async def pipelined_puts(port, messages, window=PUT_WINDOW, tag="p"):
    """Publishes (subject, payload) pairs, each asking for a PubAck, with at most `window` unacknowledged.
    Returns (acks, errors)."""
    r, w = await raw_connect(port)
    w.write(f"SUB _INBOX.{tag}.* 1\r\n".encode())
    acks, errors = Counter(f"MSG _INBOX.{tag}.".encode()), Counter(b'"error"')
    progress = asyncio.Event()
    pings = Counter(b"PING\r\n")

    async def reader():
        while True:
            data = await r.read(1 << 20)
            if not data:
                return
            acks.feed(data)
            errors.feed(data)
            before = pings.n
            pings.feed(data)
            if pings.n > before:
                w.write(b"PONG\r\n")
            progress.set()

    task = asyncio.create_task(reader())
    sent = 0
    batch = []
    for subject, payload in messages:
        batch.append(b"PUB %s _INBOX.%s.%d %d\r\n%s\r\n" % (subject, tag.encode(), sent, len(payload), payload))
        sent += 1
        if len(batch) >= 32:
            w.write(b"".join(batch))
            batch.clear()
            while sent - acks.n > window:
                progress.clear()
                await progress.wait()
    w.write(b"".join(batch))
    while acks.n < sent:
        progress.clear()
        await progress.wait()
    task.cancel()
    w.close()
    return acks.n, errors.n


def watch_config(stream_subjects, deliver):
    """The push consumer nats-py's `kv.watch` makes (an ordered consumer)."""
    return ConsumerConfig(
        deliver_subject=deliver,
        filter_subject=stream_subjects,
        deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
        ack_policy=AckPolicy.NONE,
        max_deliver=1,
        ack_wait=22 * 3600,
        flow_control=True,
        idle_heartbeat=5.0,
        num_replicas=1,
        mem_storage=True,
        inactive_threshold=300.0,
    )


async def load(server):
    """200 watchers, 100,000 puts: seconds until every watcher has every put."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await js.create_key_value(bucket="load", history=1)
    per_conn = WATCHERS // WATCH_CONNS
    conns = []
    for c in range(WATCH_CONNS):
        r, w = await raw_connect(server.port)
        for i in range(per_conn):
            w.write(f"SUB _INBOX.w{c}.{i} {i + 1}\r\n".encode())
        w.write(b"PING\r\n")
        while (await r.readuntil(b"\r\n")) != b"PONG\r\n":
            pass
        conns.append((r, w))
    consumers = []
    for c in range(WATCH_CONNS):
        for i in range(per_conn):
            info = await js.add_consumer("KV_load", config=watch_config("$KV.load.>", f"_INBOX.w{c}.{i}"))
            consumers.append(info.name)
    done_at = [None] * WATCH_CONNS
    all_done = asyncio.Event()
    t0 = [0.0]

    counters = [Counter(b"MSG $KV.load.") for _ in range(WATCH_CONNS)]

    async def watch(c, r, w):
        got = counters[c]
        fc_tail = b""
        fc = b"FlowControl Request"
        while True:
            data = await r.read(1 << 20)
            if not data:
                raise RuntimeError(f"{server.kind}: watching connection {c} closed")
            got.feed(data)
            both = fc_tail + data
            at = both.find(fc, max(0, len(fc_tail) - len(fc) + 1))
            while at >= 0:
                start = both.rfind(b"HMSG ", 0, at)
                line = both[start: both.find(b"\r\n", start)].split()
                w.write(b"PUB %s 0\r\n\r\n" % line[3])
                at = both.find(fc, at + 1)
            if b"PING\r\n" in both[max(0, len(fc_tail) - 5):]:
                w.write(b"PONG\r\n")
            fc_tail = both[-512:]
            if got.n >= per_conn * PUTS and done_at[c] is None:
                done_at[c] = time.perf_counter()
                if all(done_at):
                    all_done.set()

    tasks = [asyncio.create_task(watch(c, r, w)) for c, (r, w) in enumerate(conns)]
    value = b"v" * 16
    share = PUTS // PUBLISHERS

    def puts(p):
        for n in range(p * share, (p + 1) * share):
            yield b"$KV.load.k%d" % n, value

    async def progress():
        while True:
            await asyncio.sleep(10)
            log(f"  {time.perf_counter() - t0[0]:.0f} s: {sum(c.n for c in counters):,} delivered")

    ticker = asyncio.create_task(progress())
    t0[0] = time.perf_counter()
    results = await asyncio.gather(*(pipelined_puts(server.port, puts(p), tag=f"a{p}") for p in range(PUBLISHERS)))
    acked = time.perf_counter() - t0[0]
    finished = asyncio.create_task(all_done.wait())
    await asyncio.wait(tasks + [finished], timeout=900, return_when=asyncio.FIRST_COMPLETED)
    if not all_done.is_set():
        for t in tasks:
            if t.done():
                raise t.exception()
        raise RuntimeError(f"{server.kind}: the watchers did not get every put within 900 s")
    total = max(done_at) - t0[0]
    errors = sum(e for _, e in results)
    last = (await js.stream_info("KV_load")).state.last_seq
    behind = 0
    for name in consumers:
        ci = await js.consumer_info("KV_load", name)
        behind += ci.delivered.stream_seq != last
    for t in tasks + [ticker, finished]:
        t.cancel()
    for _, w in conns:
        w.close()
    await nc.close()
    return {"time": total, "acked": acked, "hwm": server.status("VmHWM"), "errors": errors, "behind": behind}


async def put_latencies(kv, n=LAT_N):
    value = b"x" * 100
    for i in range(50):
        await kv.put(f"k{i}", value)
    out = []
    for i in range(n):
        t = time.perf_counter()
        await kv.put(f"k{i % 50}", value)
        out.append(time.perf_counter() - t)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.99)]


async def latency_buckets(server):
    """Put latency with 1 bucket, then with BUCKETS buckets (the others created over the raw protocol)."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="lat", history=1)
    one = await put_latencies(kv)
    r, w = await raw_connect(server.port)
    w.write(b"SUB _INBOX.mk.* 1\r\n")
    t = time.perf_counter()
    made, errors = 0, 0
    # The stream configuration nats-py's create_key_value sends, 64 requests in flight, but in memory: nats-server
    # takes minutes to create 10,000 file-storage streams here, which would be most of the section's time.
    for start in range(1, BUCKETS, 64):
        reqs = []
        for b in range(start, min(start + 64, BUCKETS)):
            cfg = json.dumps({
                "name": f"KV_b{b}", "subjects": [f"$KV.b{b}.>"], "retention": "limits", "max_consumers": -1,
                "max_msgs_per_subject": 1, "max_msgs": -1, "max_bytes": -1, "max_age": 0, "max_msg_size": -1,
                "storage": "memory", "discard": "new", "num_replicas": 1, "duplicate_window": 120000000000,
                "allow_rollup_hdrs": True, "deny_delete": True, "allow_direct": True,
            }).encode()
            reqs.append(b"PUB $JS.API.STREAM.CREATE.KV_b%d _INBOX.mk.%d %d\r\n%s\r\n" % (b, b, len(cfg), cfg))
        w.write(b"".join(reqs))
        want = len(reqs)
        got = Counter(b"MSG _INBOX.mk.")
        errs = Counter(b'"error"')
        while got.n < want:
            data = await r.read(1 << 20)
            got.feed(data)
            errs.feed(data)
        made += got.n - errs.n
        errors += errs.n
    created = time.perf_counter() - t
    w.close()
    rss_buckets = server.status("VmRSS")
    many = await put_latencies(kv)
    await nc.close()
    return {"one": one, "many": many, "created": created, "made": made, "errors": errors, "rss": rss_buckets}


async def latency_keys(server):
    """Put latency with FILL_KEYS keys in the bucket and one idle watcher on a pattern that matches nothing."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="keys", history=1)
    value = b"x" * 100
    await pipelined_puts(server.port, ((b"$KV.keys.f%d" % n, value) for n in range(FILL_KEYS)), tag="f")
    watcher = await kv.watch("nothing.here.>")
    idle = await put_latencies(kv)
    t = time.perf_counter()
    for _ in range(200):
        await nc.flush()
    ping = (time.perf_counter() - t) / 200
    await watcher.stop()
    await nc.close()
    return {"idle": idle, "ping": ping, "rss": server.status("VmRSS")}


async def connect_storm(server):
    """Seconds until CLIENTS clients, connecting at once, have each had their PONG."""

    async def one():
        r, w = await asyncio.open_connection("127.0.0.1", server.port)
        await r.readuntil(b"\r\n")
        w.write(b'CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n')
        while (await r.readuntil(b"\r\n")) != b"PONG\r\n":
            pass
        return w

    times = []
    for _ in range(CONNECT_ROUNDS):
        t = time.perf_counter()
        writers = await asyncio.gather(*(one() for _ in range(CLIENTS)))
        times.append(time.perf_counter() - t)
        for w in writers:
            w.close()
        await asyncio.sleep(1)
    return {"median": statistics.median(times), "all": times, "rss": server.status("VmHWM")}


async def overwrites(server):
    """OVERWRITE_BYTES of VALUE-sized puts to one key of a 10 MiB bucket; the server's RSS after."""
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await js.create_key_value(bucket="big", history=1, max_bytes=10 << 20)
    value = os.urandom(VALUE // 2).hex().encode()
    n = OVERWRITE_BYTES // VALUE
    t = time.perf_counter()
    acks, errors = await pipelined_puts(server.port, ((b"$KV.big.one", value) for _ in range(n)), window=32, tag="o")
    took = time.perf_counter() - t
    await asyncio.sleep(2)
    info = await js.stream_info("KV_big")
    await nc.close()
    return {"n": n, "took": took, "errors": errors, "rss": server.status("VmRSS"), "hwm": server.status("VmHWM"),
            "bytes": info.state.bytes}


async def side_by_side(what, kinds=("nats", "kvplay")):
    out = {}
    for kind in kinds:
        s = Server(kind)
        try:
            log(f"{what}: {kind}")
            out[kind] = await globals()[what](s)
            log(f"  {out[kind]}")
        finally:
            s.stop()
    return out


def ms(s):
    if s >= 10:
        return f"{s:.1f} s"
    return f"{s * 1000:.1f} ms" if s >= 0.01 else f"{s * 1e6:.0f} µs"


def mb(b):
    return f"{b / (1 << 20):.1f} MiB"


def ratio(a, b):
    return f"{a / b:.2f}"


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    ld = await side_by_side("load")
    lb = await side_by_side("latency_buckets")
    lk = await side_by_side("latency_keys")
    cs = await side_by_side("connect_storm")
    ow = await side_by_side("overwrites")
    k, n = "kvplay", "nats"
    rows = [
        (f"{WATCHERS} watchers, {PUTS:,} puts: until every watcher has every put", ms(ld[k]["time"]),
         ms(ld[n]["time"]), ratio(ld[k]["time"], ld[n]["time"])),
        ("the same: until every put is acknowledged", ms(ld[k]["acked"]), ms(ld[n]["acked"]),
         ratio(ld[k]["acked"], ld[n]["acked"])),
        ("the same: peak RSS (VmHWM)", mb(ld[k]["hwm"]), mb(ld[n]["hwm"]), ratio(ld[k]["hwm"], ld[n]["hwm"])),
        ("put latency, 1 bucket: median", ms(lb[k]["one"][0]), ms(lb[n]["one"][0]),
         ratio(lb[k]["one"][0], lb[n]["one"][0])),
        ("put latency, 1 bucket: p99", ms(lb[k]["one"][1]), ms(lb[n]["one"][1]),
         ratio(lb[k]["one"][1], lb[n]["one"][1])),
        (f"put latency, {BUCKETS:,} buckets: median", ms(lb[k]["many"][0]), ms(lb[n]["many"][0]),
         ratio(lb[k]["many"][0], lb[n]["many"][0])),
        (f"put latency, {BUCKETS:,} buckets: p99", ms(lb[k]["many"][1]), ms(lb[n]["many"][1]),
         ratio(lb[k]["many"][1], lb[n]["many"][1])),
        (f"creating {BUCKETS - 1:,} more buckets (memory storage, 64 requests in flight)", ms(lb[k]["created"]), ms(lb[n]["created"]),
         ratio(lb[k]["created"], lb[n]["created"])),
        (f"RSS with {BUCKETS:,} buckets", mb(lb[k]["rss"]), mb(lb[n]["rss"]), ratio(lb[k]["rss"], lb[n]["rss"])),
        (f"put latency, {FILL_KEYS:,} keys and an idle watcher: median", ms(lk[k]["idle"][0]),
         ms(lk[n]["idle"][0]), ratio(lk[k]["idle"][0], lk[n]["idle"][0])),
        (f"put latency, {FILL_KEYS:,} keys and an idle watcher: p99", ms(lk[k]["idle"][1]), ms(lk[n]["idle"][1]),
         ratio(lk[k]["idle"][1], lk[n]["idle"][1])),
        ("the same: RSS", mb(lk[k]["rss"]), mb(lk[n]["rss"]), ratio(lk[k]["rss"], lk[n]["rss"])),
        ("the same: PING round trip (mean)", ms(lk[k]["ping"]), ms(lk[n]["ping"]),
         ratio(lk[k]["ping"], lk[n]["ping"])),
        (f"{CLIENTS:,} clients connecting at once: all PONGed (median of {CONNECT_ROUNDS})", ms(cs[k]["median"]),
         ms(cs[n]["median"]), ratio(cs[k]["median"], cs[n]["median"])),
        (f"the same: peak RSS", mb(cs[k]["rss"]), mb(cs[n]["rss"]), ratio(cs[k]["rss"], cs[n]["rss"])),
        (f"{OVERWRITE_BYTES >> 20:,} MiB of overwrites into a 10 MiB bucket: RSS after", mb(ow[k]["rss"]),
         mb(ow[n]["rss"]), ratio(ow[k]["rss"], ow[n]["rss"])),
        ("the same: peak RSS", mb(ow[k]["hwm"]), mb(ow[n]["hwm"]), ratio(ow[k]["hwm"], ow[n]["hwm"])),
        ("the same: time to write them", ms(ow[k]["took"]), ms(ow[n]["took"]), ratio(ow[k]["took"], ow[n]["took"])),
    ]
    checks = []
    for kind, name in ((n, "nats-server"), (k, "kvplay serve")):
        checks.append(
            f"{name}: {ld[kind]['errors']} put errors and {ld[kind]['behind']} watchers short of the last revision "
            f"in the load; {lb[kind]['made']:,} buckets made ({lb[kind]['errors']} refused); "
            f"{ow[kind]['errors']} of {ow[kind]['n']:,} overwrites refused, {mb(ow[kind]['bytes'])} kept")
    print(f"""Every row on a fresh server of each kind (nats-server 2.15.1 with `-js -sd DIR`: file storage, as the
clients create buckets; `kvplay serve` built for speed, profile `fast`, keeps everything in memory), nats-server
first. Clients: nats-py 2.16.0 for setup and sequential puts, raw protocol for the load, the connection storm and
the overwrites, all in one Python process sharing the machine's cores with the server.{' Scaled down (--quick).' if QUICK else ''}
Ratio = kvplay serve / nats-server (target: at most 1.0). The whole run took {time.perf_counter() - started:.0f} s; the
machine's load average was {load_before:.1f} at its start and {os.getloadavg()[0]:.1f} at its end (other work shares the cores).

| what | kvplay serve | nats-server | ratio |
|---|---|---|---|
""" + "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows) + f"""

The load: {WATCHERS} push consumers configured as nats-py's `kv.watch(">")` (flow control answered, 5 s
heartbeats, ack none) on {WATCH_CONNS} connections; {PUTS:,} puts of 16-byte values, each to a new key (with history 1, a watcher that falls behind
on nats-server skips a revision superseded before it was sent, so overwrites would not all arrive), from
{PUBLISHERS} connections, each with at most {PUT_WINDOW} puts awaiting their PubAck. Latency: {LAT_N:,} sequential
`kv.put`s of 100 bytes over 50 keys after 50 to warm up. Overwrites: {VALUE >> 10} KiB values, {ow[k]['n']:,} puts to
one key, 32 awaiting their PubAck; RSS read 2 s after the last acknowledgement.
Checks: {'; '.join(checks)}.""")


asyncio.run(main())
