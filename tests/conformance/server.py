"""Runs the conformance scenarios against a real nats-server and prints each operation's result as JSON.

It starts its own nats-server (JetStream, 127.0.0.1, a free port, a temporary store) and speaks to it through
the raw JetStream API with the exact messages the Go client (`nats.go/jetstream`, used by the `nats` CLI) sends
for each KV operation, so any difference from the embedded engine is the server's behaviour, not a client's.
Usage: python server.py scenarios.json
"""
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import nats

from api_probes import settle

NS = 1_000_000_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def go_duration(secs):
    return f"{int(secs)}s" if secs < 60 else f"{int(secs) // 60}m{int(secs) % 60}s"


def stream_config(c):
    b = c["bucket"]
    ttl = c.get("ttl", 0) * NS
    dup = ttl if 0 < ttl < 120 * NS else 120 * NS
    cfg = {
        "name": f"KV_{b}", "subjects": [f"$KV.{b}.>"], "description": c.get("description", ""),
        "max_msgs_per_subject": c.get("history", 1), "max_bytes": c.get("max_bytes", -1), "max_age": ttl,
        "max_msg_size": c.get("max_value_size", -1), "storage": c.get("storage", "file"),
        "num_replicas": c.get("replicas", 1), "allow_rollup_hdrs": True, "deny_delete": True,
        "duplicate_window": dup, "max_msgs": -1, "max_consumers": -1, "allow_direct": True, "discard": "new",
        "retention": "limits",
    }
    if c.get("limit_marker_ttl"):
        cfg["allow_msg_ttl"] = True
        cfg["subject_delete_marker_ttl"] = c["limit_marker_ttl"] * NS
    # As nats.go's CreateKeyValue: a mirror has no subjects and takes direct gets; a source of a bucket reads it
    # through a transform into this bucket's subjects.
    if c.get("mirror"):
        del cfg["subjects"]
        cfg["mirror"] = {"name": f"KV_{c['mirror']}"}
        cfg["mirror_direct"] = True
    if c.get("sources"):
        cfg["sources"] = [{"name": f"KV_{s}", "subject_transforms": [{"src": f"$KV.{s}.>", "dest": f"$KV.{b}.>"}]}
                          for s in c["sources"]]
    return cfg


def api_err(e):
    return f'{e["err_code"]} {e["description"]}'


def op_of(headers):
    h = headers or {}
    op = h.get("KV-Operation")
    if op == "DEL":
        return "DEL"
    if op == "PURGE":
        return "PURGE"
    reason = h.get("Nats-Marker-Reason")
    if reason in ("MaxAge", "Purge"):
        return "PURGE"
    if reason == "Remove":
        return "DEL"
    return "PUT"


class Runner:
    def __init__(self, nc):
        self.nc = nc
        self.mirrors = {}

    async def req(self, subj, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        return await self.nc.request(subj, data, timeout=5, headers=headers)

    async def publish(self, bucket, key, value, headers=None):
        # A mirror's client writes to its origin's subjects (nats.go's putPre).
        bucket = self.mirrors.get(bucket, bucket)
        m = await self.req(f"$KV.{bucket}.{key}", value.encode(), headers)
        ack = json.loads(m.data)
        if "error" in ack:
            return {"err": api_err(ack["error"])}
        return {"rev": ack["seq"]}

    async def last(self, bucket, key):
        m = await self.req(f"$JS.API.DIRECT.GET.KV_{bucket}", {"last_by_subj": f"$KV.{bucket}.{key}"})
        if m.headers and m.headers.get("Status") == "404":
            return None
        return int(m.headers["Nats-Sequence"]), op_of(m.headers), m.data.decode()

    async def messages(self, bucket):
        info = await self.stream_info(bucket)
        st = info["state"]
        out = []
        seq = st.get("first_seq", 0)
        while seq and seq <= st["last_seq"]:
            m = await self.req(f"$JS.API.DIRECT.GET.KV_{bucket}", {"seq": seq, "next_by_subj": f"$KV.{bucket}.>"})
            if m.headers and m.headers.get("Status") == "404":
                break
            s = int(m.headers["Nats-Sequence"])
            key = m.headers["Nats-Subject"].split(".", 2)[2]
            out.append((s, key, op_of(m.headers), m.data.decode()))
            seq = s + 1
        return out

    async def stream_info(self, bucket):
        m = await self.req(f"$JS.API.STREAM.INFO.KV_{bucket}")
        return json.loads(m.data)

    async def create(self, bucket, key, value, ttl=None):
        hdr = {"Nats-Expected-Last-Subject-Sequence": "0"}
        if ttl:
            hdr["Nats-TTL"] = go_duration(ttl)
        r = await self.publish(bucket, key, value, hdr)
        if "rev" in r:
            return r
        last = await self.last(bucket, key)
        if last and last[1] != "PUT":
            hdr["Nats-Expected-Last-Subject-Sequence"] = str(last[0])
            return await self.publish(bucket, key, value, hdr)
        if r["err"].startswith("10071 "):
            return {"err": "key exists: " + r["err"]}
        return r

    async def run(self, op):
        kind, args = op[0], op[1:]
        if kind in ("add", "edit"):
            verb = "CREATE" if kind == "add" else "UPDATE"
            m = await self.req(f"$JS.API.STREAM.{verb}.KV_{args[0]['bucket']}", stream_config(args[0]))
            r = json.loads(m.data)
            if args[0].get("mirror") and "error" not in r:
                self.mirrors[args[0]["bucket"]] = args[0]["mirror"]
            return {"err": api_err(r["error"])} if "error" in r else {"ok": True}
        if kind == "delete_bucket":
            r = json.loads((await self.req(f"$JS.API.STREAM.DELETE.KV_{args[0]}")).data)
            return {"err": api_err(r["error"])} if "error" in r else {"ok": True}
        if kind == "put":
            return await self.publish(*args)
        if kind == "create":
            return await self.create(*args)
        if kind == "create_ttl":
            return await self.create(args[0], args[1], args[2], args[3])
        if kind == "update":
            return await self.publish(args[0], args[1], args[2], {"Nats-Expected-Last-Subject-Sequence": str(args[3])})
        if kind == "delete":
            return await self.publish(args[0], args[1], "", {"KV-Operation": "DEL"})
        if kind in ("purge", "purge_ttl"):
            hdr = {"KV-Operation": "PURGE", "Nats-Rollup": "sub"}
            if kind == "purge_ttl":
                hdr["Nats-TTL"] = go_duration(args[2])
            return await self.publish(args[0], args[1], "", hdr)
        if kind == "get":
            last = await self.last(*args)
            if not last or last[1] != "PUT":
                return {"err": "key not found"}
            return {"rev": last[0], "value": last[2]}
        if kind == "get_revision":
            m = await self.req(f"$JS.API.DIRECT.GET.KV_{args[0]}", {"seq": args[2]})
            if (m.headers and m.headers.get("Status") == "404") or m.headers.get("Nats-Subject") != f"$KV.{args[0]}.{args[1]}" or op_of(m.headers) != "PUT":
                return {"err": "key not found"}
            return {"rev": int(m.headers["Nats-Sequence"]), "value": m.data.decode()}
        if kind == "history":
            entries = [[s, o, v] for (s, k, o, v) in await self.messages(args[0]) if k == args[1]]
            return {"entries": entries} if entries else {"err": "key not found"}
        if kind == "keys":
            latest = {}
            for (s, k, o, v) in await self.messages(args[0]):
                latest[k] = (s, o)
            keys = sorted((s, k) for k, (s, o) in latest.items() if o == "PUT")
            return {"keys": [k for _, k in keys]}
        if kind == "status":
            info = await self.stream_info(args[0])
            if "error" in info:
                return {"err": api_err(info["error"])}
            st = info["state"]
            return {"values": st["messages"], "bytes": st["bytes"], "last": st["last_seq"]}
        if kind == "compact":
            # nats.go PurgeDeletes: every key whose latest entry is a marker, purged keeping that marker (it is
            # younger than the 30-minute threshold).
            latest = {}
            for (s, k, o, v) in await self.messages(args[0]):
                latest[k] = o
            for k, o in latest.items():
                if o != "PUT":
                    await self.req(f"$JS.API.STREAM.PURGE.KV_{args[0]}", {"filter": f"$KV.{args[0]}.{k}", "keep": 1})
            return {"ok": True}
        if kind == "settle":
            # nats-server copies into mirrors and sources a moment later (the playground at once): wait, within
            # a bound, until the bucket's stream stops changing.
            await settle(self.nc, f"KV_{args[0]}")
            return {"ok": True}
        if kind == "sleep":
            await asyncio.sleep(args[0] + 0.6)  # the server checks expiries on a timer; give it time
            return {"ok": True}
        raise ValueError(f"unknown operation {kind}")


async def quiet(_err):
    """Connection errors while the server starts are expected; the retry loop handles them."""


async def main(path):
    scenarios = json.load(open(path))
    server_bin = shutil.which("nats-server") or os.path.join(os.path.dirname(sys.executable), "nats-server")
    store = tempfile.mkdtemp(prefix="kvplay-conformance-")
    port = free_port()
    proc = subprocess.Popen([server_bin, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                nc = await nats.connect(f"nats://127.0.0.1:{port}", connect_timeout=1, max_reconnect_attempts=0, allow_reconnect=False, error_cb=quiet)
                break
            except Exception:
                time.sleep(0.1)
        else:
            sys.exit("could not connect to nats-server")
        runner = Runner(nc)
        results = {}
        for sc in scenarios:
            results[sc["name"]] = [await runner.run(op) for op in sc["ops"]]
        await nc.close()
        print(json.dumps(results, indent=1))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
