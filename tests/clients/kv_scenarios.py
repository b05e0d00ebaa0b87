"""KV scenarios with the official Python client (nats-py), run unchanged against nats-server and kvplay serve.

Prints one line per observation, without times or ids, so the two servers' outputs can be compared as text.
Usage: python kv_scenarios.py nats://127.0.0.1:PORT
"""
import asyncio
import sys

import nats
from nats.js.api import KeyValueConfig, StorageType


def show(*parts):
    print(*parts, flush=True)


async def expect_error(label, coro):
    try:
        r = await coro
        show(label, "ok", r)
    except Exception as e:  # the error's class and text are what a learner sees
        show(label, type(e).__name__, str(e))


def entry(e):
    return (e.key, e.value, e.revision, e.operation, e.delta)


async def initial(w):
    """A watcher's initial values, up to the end-of-initial-values marker."""
    got = []
    async for x in w:
        if x is None:
            break
        got.append(entry(x))
    return got


async def main(url):
    nc = await nats.connect(url)
    js = nc.jetstream()

    # Walkthrough: buckets, put/get, create/update (compare-and-set), delete, history, watch.
    kv = await js.create_key_value(KeyValueConfig(bucket="my-kv", history=5))
    show("put", await kv.put("Key1", b"Value1"))
    e = await kv.get("Key1")
    show("get", e.key, e.value, e.revision, e.operation)
    show("put", await kv.put("Key1", b"Value2"))
    await expect_error("create-existing", kv.create("Key1", b"x"))
    show("update", await kv.update("Key1", b"Value3", last=2))
    await expect_error("update-stale", kv.update("Key1", b"x", last=2))
    show("delete", await kv.delete("Key1"))
    await expect_error("get-deleted", kv.get("Key1"))
    show("create-after-delete", await kv.create("Key1", b"again"))
    show("history", [entry(x) for x in await kv.history("Key1")])
    await expect_error("history-missing", kv.history("nope"))
    show("purge", await kv.purge("Key1"))
    show("history-after-purge", [entry(x) for x in await kv.history("Key1")])
    await expect_error("get-missing", kv.get("missing"))
    await expect_error("keys-empty", kv.keys())
    for k in ["a.b", "a.c", "z"]:
        await kv.put(k, k.encode())
    show("keys", sorted(await kv.keys()))
    await expect_error("invalid-key", kv.put("bad key", b"x"))
    await expect_error("invalid-key-dot", kv.put(".x", b"x"))
    st = await kv.status()
    show("status", st.bucket, st.values, st.history, st.ttl)

    # Watch with its options: all, one key, a wildcard, include history, ignore deletes.
    w = await kv.watchall()
    show("watchall-initial", await initial(w))
    await kv.put("z", b"z2")
    await kv.delete("a.b")
    show("watchall-update", entry(await w.updates(timeout=2)))
    show("watchall-update", entry(await w.updates(timeout=2)))
    await w.stop()
    w = await kv.watch("a.*", include_history=True)
    show("watch-wildcard-history", await initial(w))
    await w.stop()
    w = await kv.watch("a.>", ignore_deletes=True)
    show("watch-ignore-deletes", await initial(w))
    await w.stop()
    empty = await js.create_key_value(KeyValueConfig(bucket="empty"))
    w = await empty.watchall()
    async for x in w:
        show("watch-empty", x)
        break
    await w.stop()
    await expect_error("history-empty", empty.history("k"))

    # Limits: value size, bucket size.
    small = await js.create_key_value(KeyValueConfig(bucket="small", max_value_size=8, max_bytes=200))
    await expect_error("value-too-big", small.put("k", b"123456789"))
    show("value-fits", await small.put("k", b"12345678"))
    for i in range(5):
        await expect_error(f"fill-{i}", small.put(f"k{i}", b"12345678"))

    # Buckets: exists with another config, missing bucket, delete.
    await expect_error("bucket-other-config", js.create_key_value(KeyValueConfig(bucket="my-kv", history=2)))
    await expect_error("bucket-missing", js.key_value("no-such-bucket"))
    await expect_error("bucket-invalid", js.create_key_value(KeyValueConfig(bucket="bad.name")))
    show("delete-bucket", await js.delete_key_value("empty"))
    await expect_error("bucket-deleted", js.key_value("empty"))

    # Memory storage and a bucket TTL.
    mem = await js.create_key_value(KeyValueConfig(bucket="mem", storage=StorageType.MEMORY, ttl=2))
    show("mem-put", await mem.put("k", b"v"))
    await asyncio.sleep(2.6)
    await expect_error("mem-expired", mem.get("k"))

    # Per-key TTLs with limit markers (server 2.11+).
    ttl = await js.create_key_value(KeyValueConfig(bucket="ttl", history=1, limit_marker_ttl=5))
    show("ttl-create", await ttl.create("lock", b"held", msg_ttl=1))
    await expect_error("ttl-create-again", ttl.create("lock", b"x", msg_ttl=1))
    await asyncio.sleep(1.6)
    await expect_error("ttl-expired", ttl.get("lock"))
    try:
        show("ttl-history", [(x.key, x.value, x.revision, x.operation) for x in await ttl.history("lock")])
    except Exception as e:
        show("ttl-history", type(e).__name__, str(e))
    show("ttl-create-after-expiry", await ttl.create("lock", b"mine", msg_ttl=1))

    await nc.close()


asyncio.run(main(sys.argv[1]))
