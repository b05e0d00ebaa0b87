"""The page's side of nats-py and of the code cells, run inside Pyodide by static/python/worker.js.

nats-py picks `nats.aio.client.TcpTransport` for `nats://` addresses; this module puts `PageTransport` under that
name, so `nats.connect("nats://localhost:4222")` reaches the playground's own NATS server through the worker's
link to the page (postMessage, relayed to `kvplay_connect`). No file of nats-py is changed.

Cells run with top-level await in a namespace shared by the cells of one lesson, as a notebook's do. What a cell
prints goes to that cell: the cell's name rides in a context variable, which the tasks it starts inherit.

The programs' own `asyncio.sleep` follows the playground's clock (`PlayClock`): when every task is waiting, the
page moves its clock to the earliest sleeper's deadline, the page's server expires what is due, and the sleeper
wakes at once. nats-py's own timers (pings, flushes, heartbeats, reconnects) keep real time.
"""

import ast
import asyncio
import contextvars
import inspect
import heapq
import linecache
import sys
import traceback

import js
import nats.aio.client
from nats.aio.transport import Transport
from pyodide.code import eval_code_async
from pyodide.ffi import create_proxy, to_js

CELL = contextvars.ContextVar("kvplay_cell", default="")
# Bytes moved on any link (sent or received): the clock waits for this to stand still before moving.
ACTIVITY = [0]


class PageTransport(Transport):
    """A byte link to the page's NATS server; incoming bytes are buffered (frames end mid-operation)."""

    def __init__(self):
        self._id = None
        self._buf = bytearray()
        self._eof = False
        self._wake = asyncio.Event()
        self._cell = CELL.get()
        self._proxies = []

    async def connect(self, uri, buffer_size, connect_timeout):
        on_data = create_proxy(self._on_data)
        on_close = create_proxy(self._on_close)
        self._proxies = [on_data, on_close]
        self._id = js.kvplayLinkOpen(on_data, on_close)
        LINKS.setdefault(self._cell, []).append(self)

    async def connect_tls(self, uri, ssl_context, buffer_size, connect_timeout):
        raise ConnectionError("TLS is not available inside the page: use nats:// to reach the page's server")

    def _on_data(self, arr):
        ACTIVITY[0] += 1
        self._buf += arr.to_bytes()
        self._wake.set()

    def _on_close(self):
        self._eof = True
        self._wake.set()

    async def _more(self):
        self._wake.clear()
        await self._wake.wait()

    def write(self, payload):
        ACTIVITY[0] += 1
        if self._id is not None and not self._eof:
            js.kvplayLinkSend(self._id, to_js(bytes(payload)))

    def writelines(self, payload):
        for p in payload:
            self.write(p)

    async def read(self, buffer_size):
        while not self._buf and not self._eof:
            await self._more()
        n = buffer_size if buffer_size and buffer_size > 0 else len(self._buf)
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def readline(self):
        while b"\n" not in self._buf and not self._eof:
            await self._more()
        i = self._buf.find(b"\n")
        end = i + 1 if i >= 0 else len(self._buf)
        data = bytes(self._buf[:end])
        del self._buf[:end]
        return data

    async def drain(self):
        await asyncio.sleep(0)

    async def wait_closed(self):
        return None

    def close(self):
        if self._id is not None and not self._eof:
            js.kvplayLinkClose(self._id)
        self._eof = True
        self._wake.set()

    def at_eof(self):
        return self._eof and not self._buf

    def __bool__(self):
        return self._id is not None


nats.aio.client.TcpTransport = PageTransport

# Links opened by each cell's program, closed when the cell is stopped.
LINKS = {}
# Cells whose program was stopped and has not been run again.
STOPPED = set()
# One namespace per lesson: cells of a lesson share their names.
NAMESPACES = {}


class CellWriter:
    """`sys.stdout` / `sys.stderr`: text goes to the cell whose program printed it, as it is printed."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if text:
            js.kvplayOut(CELL.get(), self.stream, text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


sys.stdout = CellWriter("stdout")
sys.stderr = CellWriter("stderr")


def _internal(filename):
    """Frames of the page's machinery (this module, Pyodide's runner and event loop), left out of tracebacks."""
    return filename == __file__ or "/pyodide/" in filename or "/_pyodide/" in filename


def _own(te):
    """Whether a traceback has a frame of the cell's own code (`<step 3>`, `<console>`), not only libraries'."""
    return any(f.filename.startswith("<") for f in te.stack)


def _clean(te, seen):
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if not _internal(f.filename)])
    # An exception the library met inside itself and turned into the one the cell sees (nats-py's NotFoundError
    # behind KeyNotFoundError) would open the traceback with the library's frames: the cell's own come first.
    if _own(te):
        if te.__cause__ is not None and not _own(te.__cause__):
            te.__cause__ = None
        if te.__context__ is not None and not _own(te.__context__):
            te.__context__ = None
    _clean(te.__cause__, seen)
    _clean(te.__context__, seen)


def _readable_error(err):
    """The traceback as CPython prints it, from the cell's own frames (and the libraries it called) only."""
    te = traceback.TracebackException.from_exception(err)
    _clean(te, set())
    return "".join(te.format())


_real_sleep = asyncio.sleep

# Modules whose sleeps keep real time: the client's own timers, asyncio's and the page's machinery.
_REAL_TIME_MODULES = ("nats", "asyncio", "kvplay_bridge", "pyodide", "_pyodide")


class PlayClock:
    """The playground's clock as the cells' programs see it: virtual time that moves only when every task waits.

    A program's `asyncio.sleep(d)` registers a deadline `d` seconds after the programs' current time. A driver
    task lets the other tasks run until the links are quiet (nothing sent or received for a round trip to the
    page), then asks the page to move its clock to the earliest deadline and wakes the sleepers due then. Two
    tasks that sleep one second side by side both wake one second later, as they would in real time."""

    def __init__(self):
        self.now = 0.0
        self._sleepers = []
        self._seq = 0
        self._driver = None
        self._answers = {}
        self._next = 1

    def sleep(self, delay, result=None):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + float(delay), self._seq, fut, CELL.get()))
        if self._driver is None or self._driver.done():
            # The driver belongs to no cell: stopping one cell's program does not stop the clock.
            self._driver = contextvars.Context().run(loop.create_task, self._drive())
        return self._wait(fut, result)

    async def _wait(self, fut, result):
        await fut
        return result

    def _ask_page(self, seconds, cell):
        """A round trip to the page, moving its clock by `seconds` (0: only to let what is in flight arrive)."""
        fut = asyncio.get_running_loop().create_future()
        n = self._next
        self._next += 1
        self._answers[n] = fut
        js.kvplayClock(n, seconds * 1000.0, cell)
        return fut

    def answer(self, n):
        fut = self._answers.pop(int(n), None)
        if fut is not None and not fut.done():
            fut.set_result(None)

    async def _settle(self):
        """Lets the other tasks run until nothing moves on the links (at most a few dozen rounds)."""
        for _ in range(40):
            mark = ACTIVITY[0]
            for _ in range(10):
                await _real_sleep(0)
            await self._ask_page(0, "")
            for _ in range(10):
                await _real_sleep(0)
            if ACTIVITY[0] == mark:
                return

    async def _drive(self):
        while True:
            await self._settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            deadline, _, _, cell = self._sleepers[0]
            if deadline > self.now:
                await self._ask_page(deadline - self.now, cell)
                self.now = deadline
            while self._sleepers and self._sleepers[0][0] <= self.now:
                fut = heapq.heappop(self._sleepers)[2]
                if not fut.done():
                    fut.set_result(None)


CLOCK = PlayClock()


def _sleep(delay, result=None):
    """`asyncio.sleep`: playground time for the cells' programs, real time for everything else."""
    try:
        caller = sys._getframe(1).f_globals.get("__name__", "") or ""
    except ValueError:
        caller = ""
    if delay <= 0 or not CELL.get() or caller.split(".")[0] in _REAL_TIME_MODULES:
        return _real_sleep(delay, result)
    return CLOCK.sleep(delay, result)


asyncio.sleep = _sleep


def clock_answer(n):
    CLOCK.answer(n)


_webloop_run = asyncio.run


def _run(main, *, debug=None, loop_factory=None):
    """`asyncio.run` as Pyodide provides it (stack switching), but the program's exception is raised here only,
    not printed a second time by the event loop."""

    async def outcome():
        try:
            return True, await main
        except BaseException as err:  # noqa: BLE001: handed back to the caller as it was
            return False, err

    ok, value = _webloop_run(outcome(), debug=debug, loop_factory=loop_factory)
    if ok:
        return value
    raise value


asyncio.run = _run


_SWITCHING = []


def _stack_switching():
    """Whether Pyodide can suspend WebAssembly here (JSPI), as `asyncio.run` needs: tried once, from a cell's
    context, on a coroutine that does nothing. A restored memory snapshot and browsers without JSPI cannot."""
    if not _SWITCHING:
        from pyodide.ffi import run_sync

        async def nothing():
            return None

        probe = nothing()
        try:
            run_sync(probe)
            _SWITCHING.append(True)
        except Exception:  # noqa: BLE001: any refusal means asyncio.run would be refused too
            probe.close()
            _SWITCHING.append(False)
    return _SWITCHING[0]


def _is_asyncio_run(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "asyncio"
        and len(node.args) == 1
        and not node.keywords
    )


def _await_runs(body):
    """`asyncio.run(X)` as a statement (or an assignment's value) at a cell's top level, also under `if`,
    `try` and `with`, becomes `await X`, keeping its place in the code for tracebacks. True if any changed."""
    changed = False
    for st in body:
        if isinstance(st, (ast.Expr, ast.Assign)) and _is_asyncio_run(st.value):
            st.value = ast.copy_location(ast.Await(st.value.args[0]), st.value)
            changed = True
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and not isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                changed |= _await_runs(inner)
        for handler in getattr(st, "handlers", []) or []:
            changed |= _await_runs(handler.body)
    return changed


async def _run_code(code, ns, filename):
    """The cell's code with top-level await. Without stack switching, its `asyncio.run(main())` is awaited
    instead (the same coroutine on the same loop)."""
    if not _stack_switching():
        tree = ast.parse(code, filename)
        if _await_runs(tree.body):
            compiled = compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(compiled, ns)  # noqa: S307: the learner's own code, in the learner's page
            if inspect.iscoroutine(result):
                await result
            return None
    return await eval_code_async(code, globals=ns, filename=filename)


async def run_cell(namespace, cell, code, filename, echo=False):
    """Runs one cell; returns "" when it ended normally, "stopped" when it was stopped, else the traceback.
    With `echo` (the console), the value of a last expression is printed as Python's REPL prints it."""
    CELL.set(cell)
    STOPPED.discard(cell)
    ns = NAMESPACES.setdefault(namespace, {"__name__": "__main__"})
    lines = code.splitlines(True)
    linecache.cache[filename] = (len(code), None, lines, filename)
    try:
        value = await _run_code(code, ns, filename)
        if echo and value is not None:
            print(repr(value))
        return ""
    except BaseException as err:  # noqa: BLE001: every failure of the learner's code is reported, not raised
        # A stopped program ends in CancelledError, sometimes wrapped on its way through JavaScript.
        if cell in STOPPED or isinstance(err, asyncio.CancelledError):
            return "stopped"
        return _readable_error(err)


def stop_cell(cell):
    """Cancels every task the cell started (its program, nats-py's readers and timers) and closes its links."""
    STOPPED.add(cell)
    n = 0
    for task in asyncio.all_tasks(asyncio.get_event_loop()):
        if task.get_context().get(CELL) == cell and not task.done():
            task.cancel()
            n += 1
    for link in LINKS.pop(cell, []):
        link.close()
    return n


def reset_namespace(namespace):
    NAMESPACES.pop(namespace, None)
