"""Sends each case of a protocol case file to a server on connections of its own and prints, per case and
connection, what came back and whether the server closed the connection.

Usage: python protocol_probe.py CASES.json PORT

A case file is a JSON object: case name -> list of sends. A send is a string (bytes as Latin-1: "\\u00ff" is
the byte 0xff) for connection 0, or [n, string] for connection n (opened when first used, its INFO read). Each
send goes out on its own, a little after the one before, so a case can split an operation across reads. INFO
lines are printed as "INFO" (the handshake's INFO is compared elsewhere); everything else is printed as sent,
control characters escaped. `<<c*N>>` in a send stands for the character c N times.
"""
import json
import re
import socket
import sys
import time

QUIET = 0.15  # seconds without a byte from any connection that end a case


def escape(data):
    out = []
    for line in data.decode("latin-1").split("\r\n"):
        out.append("INFO" if line.startswith("INFO ") else line.encode("unicode_escape").decode())
    return "\\r\\n".join(out)


def run(port, sends):
    conns = {}
    got = {}
    closed = {}

    def conn(n):
        if n not in conns:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            info = b""
            while not info.endswith(b"\r\n"):
                info += s.recv(4096)
            s.settimeout(0.01)
            conns[n], got[n], closed[n] = s, b"", False
        return conns[n]

    def read_all(quiet):
        last = time.time()
        while time.time() - last < quiet:
            for n, s in conns.items():
                if closed[n]:
                    continue
                try:
                    d = s.recv(65536)
                    if not d:
                        closed[n] = True
                    got[n] += d
                    last = time.time()
                except socket.timeout:
                    pass
                except OSError:
                    closed[n] = True
            if all(closed.values()):
                break

    for send in sends:
        n, text = (0, send) if isinstance(send, str) else send
        s = conn(n)
        if not closed[n]:
            try:
                text = re.sub(r"<<(.)\*(\d+)>>", lambda m: m.group(1) * int(m.group(2)), text, flags=re.S)
                s.sendall(text.encode("latin-1"))
            except OSError:
                closed[n] = True
        read_all(0.02)
    read_all(QUIET)
    for s in conns.values():
        s.close()
    return "\n".join(
        f"  [{n}] {escape(got[n])}{' <closed>' if closed[n] else ''}" for n in sorted(conns)
    )


def main(path, port):
    # One case at a time: the cases share the server's subjects.
    for name, sends in json.load(open(path)).items():
        print(f"## {name}\n{run(int(port), sends)}", flush=True)


main(*sys.argv[1:])
