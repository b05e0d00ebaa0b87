"""Runs every Python snippet of a lesson, in order and in one namespace, against a real nats-server, and checks
that each prints exactly the output the lesson shows. With the engine-side golden test, this keeps a Python
step's code, its kv-ops and its shown output from drifting apart.
Usage: python python_lesson.py lessons/python-kv.md
"""
import ast
import asyncio
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import nats


def blocks(md):
    """Yields (lang, body) for every fenced block."""
    for m in re.finditer(r"^```([\w-]*)\n(.*?)^```", md, re.S | re.M):
        yield m.group(1), m.group(2)


async def main(path):
    md = open(path, encoding="utf-8").read()
    pairs = []
    pending = None
    for lang, body in blocks(md):
        if lang == "python":
            pending = body
        elif lang == "output" and pending is not None:
            pairs.append((pending, body.rstrip("\n")))
            pending = None
    if not pairs:
        sys.exit("no python/output pairs found")
    server_bin = shutil.which("nats-server") or os.path.join(os.path.dirname(sys.executable), "nats-server")
    store = tempfile.mkdtemp(prefix="kvplay-pylesson-")
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server_bin, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failures = []
    try:
        url = f"nats://127.0.0.1:{port}"
        for _ in range(100):
            try:
                probe = await nats.connect(url, connect_timeout=1, allow_reconnect=False, error_cb=quiet)
                await probe.close()
                break
            except Exception:
                time.sleep(0.1)
        ns = {"__name__": "__lesson__"}
        for i, (code, expected) in enumerate(pairs, 1):
            code = code.replace("nats://localhost:4222", url)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                compiled = compile(code, f"<step {i}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                result = eval(compiled, ns)
                if asyncio.iscoroutine(result):
                    await result
            got = buf.getvalue().rstrip("\n")
            if got != expected:
                failures.append(f"snippet {i} printed:\n{got}\nbut the lesson shows:\n{expected}")
        print(f"{len(pairs)} snippets run, {len(failures)} differ")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(store, ignore_errors=True)
    if failures:
        sys.exit("\n\n".join(failures))


async def quiet(_err):
    """Connection errors while the server starts are expected."""


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
