"""Fixtures for the tests in the nats-key-value sdist (the client-suite harness's own).

The sdist ships tests/test_kv.py without the conftest.py its repository has; this gives the
fixtures it asks for (`server`, `client`, `jetstream`): one server per test, started as
`nats-server -p -1 -js -sd DIR -l LOG` from PATH (the harness's shim), its port read from the log.
"""
import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest
import pytest_asyncio
from nats.client import connect
from nats.jetstream import new as new_jetstream


class Server:
    def __init__(self, proc, url, tmp):
        self.proc, self.client_url, self.tmp = proc, url, tmp


@pytest_asyncio.fixture
async def server():
    tmp = tempfile.mkdtemp(prefix="nats-next-")
    log = os.path.join(tmp, "server.log")
    proc = subprocess.Popen(["nats-server", "-p", "-1", "-js", "-sd", os.path.join(tmp, "store"), "-l", log])
    url = None
    for _ in range(200):
        try:
            text = open(log).read()
        except OSError:
            text = ""
        m = re.search(r"client connections on (\S+)|clients:\s+nats://(\S+)", text)
        if m:
            addr = (m.group(1) or m.group(2)).replace("0.0.0.0", "127.0.0.1")
            url = "nats://" + addr
            break
        if proc.poll() is not None:
            break
        await asyncio.sleep(0.05)
    if url is None:
        proc.kill()
        raise RuntimeError(f"the server did not start: {open(log).read() if os.path.exists(log) else ''}")
    try:
        yield Server(proc, url, tmp)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest_asyncio.fixture
async def client(server):
    c = await connect(server.client_url)
    try:
        yield c
    finally:
        await c.close()


@pytest_asyncio.fixture
async def jetstream(client):
    return new_jetstream(client, strict=True)
