"""Makes a bucket on a real nats-server with nats-py, exports it with scripts/export_bucket.py, and prints the
export with the server's own byte count, for the import test to load into the engine."""
import asyncio
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import nats

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("export_bucket", os.path.join(here, "../../scripts/export_bucket.py"))
export_bucket = importlib.util.module_from_spec(spec)
spec.loader.exec_module(export_bucket)


async def quiet(_e):
    """Connection errors while the server starts are expected."""


async def main():
    server_bin = shutil.which("nats-server") or os.path.join(os.path.dirname(sys.executable), "nats-server")
    store = tempfile.mkdtemp(prefix="kvplay-export-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server_bin, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                nc = await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False, error_cb=quiet)
                break
            except Exception:
                time.sleep(0.1)
        js = nc.jetstream()
        kv = await js.create_key_value(bucket="EXP", history=3, description="from a real server")
        for v in [b"1", b"2", b"3", b"4"]:
            await kv.put("a", v)
        await kv.put("b", bytes([0, 255]))
        await kv.delete("c")
        await kv.purge("b")
        b = await export_bucket.export_bucket(nc, "EXP")
        info = json.loads((await nc.request("$JS.API.STREAM.INFO.KV_EXP", b"", timeout=5)).data)
        await nc.close()
        print(json.dumps({"export": {"format": "nats-kv-playground/v1", "now": time.time_ns(), "buckets": [b]},
                          "server_bytes": info["state"]["bytes"]}))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(store, ignore_errors=True)


asyncio.run(main())
