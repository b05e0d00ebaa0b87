# The headless side of a lesson's Python cells: `kvplay lesson FILE --python PY` runs this with CPython and
# nats-py. It reads cells as JSON lines on stdin and runs them one after another in one namespace (top-level
# await on one event loop, as a notebook does; `asyncio.run(main())` as written), writing what they print and
# how they ended as JSON lines on stdout. A program's `asyncio.sleep` asks kvplay to move its server's clock
# (and waits for the answer on stdin), so waits finish at once; nats-py's own timers keep real time.

import ast
import asyncio
import heapq
import inspect
import json
import linecache
import sys
import traceback

_wire_out = sys.stdout
_wire_in = sys.stdin


def send(msg):
    _wire_out.write(json.dumps(msg) + "\n")
    _wire_out.flush()


def receive():
    line = _wire_in.readline()
    return json.loads(line) if line.strip() else None


class CellWriter:
    """`sys.stdout` / `sys.stderr` of the cells: text goes to kvplay as it is printed."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if text:
            send({"t": "out", "stream": self.stream, "text": text})
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


_real_sleep = asyncio.sleep
_REAL_TIME_MODULES = ("nats", "asyncio")


class PlayClock:
    """Virtual time for the programs' sleeps: when the other tasks have had their turn, the server's clock moves
    to the earliest deadline and the sleepers due then wake."""

    def __init__(self):
        self.now = 0.0
        self._sleepers = []
        self._seq = 0
        self._driver = None
        self._loop = None

    def sleep(self, delay, result=None):
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._sleepers, self._driver = loop, [], None
        fut = loop.create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + float(delay), self._seq, fut))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        return self._wait(fut, result)

    async def _wait(self, fut, result):
        await fut
        return result

    async def _settle(self):
        # Localhost answers within milliseconds: a few short real pauses let replies and deliveries arrive.
        for _ in range(3):
            for _ in range(10):
                await _real_sleep(0)
            await _real_sleep(0.02)

    async def _drive(self):
        while True:
            await self._settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            deadline = self._sleepers[0][0]
            if deadline > self.now:
                send({"t": "clock", "ms": (deadline - self.now) * 1000.0})
                receive()
                self.now = deadline
            while self._sleepers and self._sleepers[0][0] <= self.now:
                fut = heapq.heappop(self._sleepers)[2]
                if not fut.done():
                    fut.set_result(None)


CLOCK = PlayClock()


def _sleep(delay, result=None):
    try:
        caller = sys._getframe(1).f_globals.get("__name__", "") or ""
    except ValueError:
        caller = ""
    if delay <= 0 or caller.split(".")[0] in _REAL_TIME_MODULES:
        return _real_sleep(delay, result)
    return CLOCK.sleep(delay, result)


def _internal(filename):
    # The driver runs as `python -c`: its frames are "<string>".
    return filename == "<string>" or "/asyncio/" in filename


def readable_error(err):
    te = traceback.TracebackException.from_exception(err)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if not _internal(f.filename)]
    )
    return "".join(te.format())


def _point_at_server():
    """The programs' `nats://localhost:4222` (as the documents write it) reaches the server kvplay runs."""
    import os

    import nats

    url = os.environ.get("KVPLAY_NATS_URL")
    if not url:
        return
    local = ("nats://localhost:4222", "nats://127.0.0.1:4222", "localhost:4222", "127.0.0.1:4222")
    connect = nats.connect

    def mapped(s):
        return url if s in local else s

    async def connect_here(servers=["nats://localhost:4222"], **options):
        servers = mapped(servers) if isinstance(servers, str) else [mapped(s) for s in servers]
        return await connect(servers, **options)

    nats.connect = connect_here


def main():
    import os

    _point_at_server()
    if not os.environ.get("KVPLAY_REAL_CLOCK"):
        asyncio.sleep = _sleep
    sys.stdout = CellWriter("stdout")
    sys.stderr = CellWriter("stderr")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    ns = {"__name__": "__main__"}
    while True:
        msg = receive()
        if msg is None:
            break
        code, filename, limit = msg["code"], msg["filename"], float(msg.get("timeout", 10))
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        error = ""
        try:
            compiled = compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            if compiled.co_flags & inspect.CO_COROUTINE:
                task = loop.create_task(eval(compiled, ns))
                done, _ = loop.run_until_complete(asyncio.wait([task], timeout=limit))
                if not done:
                    task.cancel()
                    error = "timeout"
                else:
                    task.result()
            else:
                # `asyncio.run(main())`: its own event loop, as CPython runs a script; a program that never ends
                # is stopped after the limit.
                _run = asyncio.run

                def run(coro, **kw):
                    async def bounded():
                        try:
                            return await asyncio.wait_for(coro, limit)
                        except asyncio.TimeoutError:
                            raise _StillRunning() from None

                    return _run(bounded(), **kw)

                asyncio.run = run
                try:
                    exec(compiled, ns)
                finally:
                    asyncio.run = _run
        except _StillRunning:
            error = "timeout"
        except BaseException as err:  # noqa: BLE001: reported, not raised
            error = readable_error(err)
        send({"t": "done", "error": error})


class _StillRunning(Exception):
    pass


if __name__ == "__main__":
    main()
