#!/usr/bin/env python3
"""Exports KV buckets from a real nats-server in the playground's import format (nats-kv-playground/v1).

    pip install nats-py
    python scripts/export_bucket.py --server nats://127.0.0.1:4222 BUCKET [BUCKET ...] > export.json

Then use Import in the playground. Every kept revision is exported with its headers and time; the bucket's
configuration comes from its stream.
"""
import argparse
import asyncio
import base64
import json
from datetime import datetime, timezone

import nats


def parse_time(ts):
    """RFC 3339 with nanoseconds, as the server writes Nats-Time-Stamp, to nanoseconds since the epoch."""
    ts = ts.rstrip("Z")
    main, _, frac = ts.partition(".")
    secs = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return int(secs) * 1_000_000_000 + int((frac + "000000000")[:9])


def parse_headers(raw):
    """The header block of a stored message ("NATS/1.0\\r\\nName: value\\r\\n...") as (name, value) pairs."""
    out = []
    for line in raw.decode("utf-8", "replace").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.append((k.strip(), v.strip()))
    return out


async def export_bucket(nc, bucket):
    info = json.loads((await nc.request(f"$JS.API.STREAM.INFO.KV_{bucket}", b"", timeout=5)).data)
    if "error" in info:
        raise SystemExit(f"bucket {bucket}: {info['error']['description']}")
    c, st = info["config"], info["state"]
    config = {
        "bucket": bucket, "description": c.get("description", ""), "history": c.get("max_msgs_per_subject", 1),
        "max_age": c.get("max_age", 0), "max_value_size": c.get("max_msg_size", -1),
        "max_bytes": c.get("max_bytes", -1), "storage": "Memory" if c.get("storage") == "memory" else "File",
        "replicas": 1, "compression": c.get("compression", "none") == "s2",
        "limit_marker_ttl": c.get("subject_delete_marker_ttl", 0),
        "metadata": {k: v for k, v in (c.get("metadata") or {}).items() if not k.startswith("_nats.")},
    }
    revisions = []
    seq = st.get("first_seq", 0)
    while seq and seq <= st["last_seq"]:
        req = json.dumps({"seq": seq, "next_by_subj": f"$KV.{bucket}.>"}).encode()
        r = json.loads((await nc.request(f"$JS.API.STREAM.MSG.GET.KV_{bucket}", req, timeout=5)).data)
        if "error" in r:
            break
        m = r["message"]
        s = m["seq"]
        h = parse_headers(base64.b64decode(m.get("hdrs", "")))
        kept = [(k, v) for k, v in h if k in ("KV-Operation", "Nats-TTL", "Nats-Marker-Reason", "Nats-Rollup")]
        ops = dict(h)
        op = {"DEL": "DEL", "PURGE": "PURGE"}.get(ops.get("KV-Operation", ""), "PURGE" if ops.get("Nats-Marker-Reason") else "PUT")
        revisions.append({
            "revision": s, "key": m["subject"].split(".", 2)[2], "operation": op,
            "value": m.get("data", ""), "headers": kept, "time": parse_time(m["time"]),
        })
        seq = s + 1
    return {"config": config, "created": parse_time(info["created"]), "last_revision": st["last_seq"], "revisions": revisions}


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="nats://127.0.0.1:4222")
    ap.add_argument("buckets", nargs="+")
    a = ap.parse_args()
    nc = await nats.connect(a.server)
    out = {"format": "nats-kv-playground/v1", "now": time_ns(), "buckets": [await export_bucket(nc, b) for b in a.buckets]}
    await nc.close()
    print(json.dumps(out, indent=1))


def time_ns():
    import time
    return time.time_ns()


if __name__ == "__main__":
    asyncio.run(main())
