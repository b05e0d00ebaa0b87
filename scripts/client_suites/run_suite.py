"""Runs a test suite's tests one by one against nats-server and kvplay serve, side by side.

  run_suite.py libtest --name NAME --cwd DIR --out DIR [--filter-file F] [FILTER...] -- BINARY...
  run_suite.py pytest  --name NAME --cwd DIR --out DIR [--netns] --path TESTS.py [--filter-file F] [FILTER...] -- PYTHON -m pytest [ARGS...]

Every test runs alone in its own process group, under a time limit, once with
CLIENT_SUITE_SERVER=nats-server and once with CLIENT_SUITE_SERVER=kvplay (the `nats-server`
shim on PATH reads it). Writes OUT/NAME.tsv (test, nats-server, kvplay, kvplay's first error)
and OUT/NAME/SERVER/TEST.log; prints a table; exits 1 when a test that passes on nats-server
does not pass on kvplay serve.

A filter file holds one pattern a line (`#` comments): a test is run when its name contains
any pattern, or `=NAME` for an exact name, and not when it contains a `!PATTERN` line's pattern.
Arguments after the options narrow the run to tests containing one of them.
"""
import argparse
import concurrent.futures as cf
import os
import re
import signal
import subprocess
import sys
import time

SERVERS = ("nats-server", "kvplay")
NETNS = False


def load_filter(path):
    inc, exact, exc = [], set(), []
    if path:
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("!"):
                exc.append(line[1:])
            elif line.startswith("="):
                exact.add(line[1:])
            else:
                inc.append(line)

    def keep(name):
        if any(p in name for p in exc):
            return False
        if not inc and not exact:
            return True
        return name in exact or any(p in name for p in inc)

    return keep


def libtest_list(binary, cwd):
    def names(extra):
        out = subprocess.run([binary, "--list", "--format", "terse"] + extra, cwd=cwd,
                             capture_output=True, text=True, check=True).stdout
        return [l[: -len(": test")] for l in out.splitlines() if l.endswith(": test")]

    ignored = set(names(["--ignored"]))
    return [(binary, n, n in ignored) for n in names([])]


def pytest_list(cmd, cwd):
    p = subprocess.run(cmd + ["--collect-only", "-q", "-p", "no:cacheprovider"], cwd=cwd,
                       capture_output=True, text=True)
    tests = [(None, l.strip(), False) for l in p.stdout.splitlines() if "::" in l and not l.startswith(" ")]
    if not tests:
        sys.exit(f"no tests collected:\n{p.stdout}{p.stderr}")
    return tests


def first_error(kind, text):
    if kind == "libtest":
        m = re.search(r"panicked at [^\n]*:\n(.*?)(?:\nnote: |\nstack backtrace|\n\n|\Z)", text, re.S)
        if m:
            return " ".join(m.group(1).split())[:400]
    else:
        lines = [l for l in text.splitlines() if re.match(r"^E\s+\S", l)]
        if lines:
            return " ".join(" ".join(l[1:].split()) for l in lines[:3])[:400]
        m = re.findall(r"^(FAILED|ERROR) \S+ - (.*)$", text, re.M)
        if m:
            return m[0][1][:400]
    tail = [l for l in text.strip().splitlines() if l.strip()]
    return (tail[-1] if tail else "no output")[:400]


def run_one(kind, base, binary, name, server, cwd, timeout, logdir):
    env = dict(os.environ, CLIENT_SUITE_SERVER=server, RUST_BACKTRACE="0")
    if kind == "libtest":
        cmd = [binary, "--exact", name, "--test-threads", "1", "--nocapture"]
    else:
        cmd = base + ["-q", "-p", "no:cacheprovider", "-x", name]
    if NETNS:
        # A network namespace of its own: suites that listen on fixed ports (nats-py's tests
        # use 4222 and 8222) run side by side, and clash with nothing else on the machine.
        cmd = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"'] + cmd
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True, text=True, errors="replace")
    try:
        out, _ = p.communicate(timeout=timeout)
        if kind == "libtest":
            ok = p.returncode == 0 and re.search(r"test result: ok\. 1 passed", out) is not None
        else:
            ok = p.returncode == 0 and re.search(r"\b1 passed\b", out) is not None
            if p.returncode == 0 and re.search(r"\b1 skipped\b", out):
                ok = "skipped"
        result = "pass" if ok is True else ("skip" if ok == "skipped" else "FAIL")
    except subprocess.TimeoutExpired:
        result = "TIMEOUT"
        out = ""
    finally:
        # The test's own servers are in its process group: end them with it.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if result == "TIMEOUT":
            out, _ = p.communicate()
            out += f"\n(no result after {timeout} s)"
    dt = time.time() - t0
    safe = re.sub(r"[^A-Za-z0-9_.:-]", "_", name)
    os.makedirs(f"{logdir}/{server}", exist_ok=True)
    with open(f"{logdir}/{server}/{safe}.log", "w") as f:
        f.write(" ".join(cmd) + "\n\n" + out)
    err = "" if result in ("pass", "skip") else first_error(kind, out)
    if result == "TIMEOUT":
        err = f"no result after {timeout} s"
    return name, server, result, err, dt


def main():
    argv = sys.argv[1:]
    rest = []
    if "--" in argv:
        i = argv.index("--")
        argv, rest = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["libtest", "pytest"])
    ap.add_argument("--name", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--filter-file")
    ap.add_argument("--path", dest="paths", action="append", default=[],
                    help="pytest: a file or folder to collect tests from")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("CLIENT_SUITE_JOBS", "4")))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("CLIENT_SUITE_TIMEOUT", "150")))
    ap.add_argument("filters", nargs="*")
    ap.add_argument("--netns", action="store_true",
                    help="run each test in a network namespace of its own (needs root); "
                         "without one, tests on fixed ports run one at a time")
    a = ap.parse_intermixed_args(argv)
    global NETNS
    if a.netns:
        NETNS = subprocess.run(["unshare", "-n", "--", "sh", "-c", "ip link set lo up"],
                               capture_output=True).returncode == 0
        if not NETNS:
            print("no network namespaces here: one test at a time", file=sys.stderr)
            a.jobs = 1
    keep = load_filter(a.filter_file)

    if a.kind == "libtest":
        tests = [t for b in rest for t in libtest_list(b, a.cwd)]
    else:
        tests = pytest_list(rest + a.paths, a.cwd)
    tests = [t for t in tests if keep(t[1]) and (not a.filters or any(f in t[1] for f in a.filters))]
    logdir = f"{a.out}/{a.name}"
    results = {}
    t0 = time.time()
    jobs = []
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for binary, name, ignored in tests:
            if ignored:
                for s in SERVERS:
                    results[(name, s)] = ("ignored", "", 0.0)
                continue
            for s in SERVERS:
                jobs.append(ex.submit(run_one, a.kind, rest, binary, name, s, a.cwd, a.timeout, logdir))
        for j in cf.as_completed(jobs):
            name, s, r, err, dt = j.result()
            results[(name, s)] = (r, err, dt)
            print(f"{s:11} {r:7} {dt:6.1f}s {name}", file=sys.stderr, flush=True)

    rows, bad = [], 0
    for _, name, _ in tests:
        nr, ne, _ = results[(name, "nats-server")]
        kr, ke, _ = results[(name, "kvplay")]
        if nr == "pass" and kr != "pass":
            bad += 1
        rows.append((name, nr, kr, ke if kr != "pass" else (f"(nats-server: {ne})" if ne else "")))
    with open(f"{a.out}/{a.name}.tsv", "w") as f:
        f.write("test\tnats-server\tkvplay\tkvplay first error\n")
        for r in rows:
            f.write("\t".join(x.replace("\t", " ") for x in r) + "\n")
    w = max([len(r[0]) for r in rows] + [4])
    print(f"{'test':{w}}  nats-server  kvplay")
    for r in rows:
        print(f"{r[0]:{w}}  {r[1]:11}  {r[2]:7} {r[3] if r[2] != 'pass' else ''}")
    count = lambda s, v: sum(1 for r in rows if r[1 if s == 0 else 2] == v)
    print(f"\n{a.name}: {len(rows)} tests in {time.time() - t0:.0f} s; nats-server {count(0, 'pass')} passed, "
          f"kvplay {count(1, 'pass')} passed; {bad} pass on nats-server but not on kvplay serve")
    print(f"{a.name}: {len(rows) - bad} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
