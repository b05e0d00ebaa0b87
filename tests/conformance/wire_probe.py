"""Speaks raw NATS protocol to a server, step by step, and prints what came back after each step, normalised.

Usage: python wire_probe.py PROBE.json PORT

A probe is a JSON list of steps. Each step may send raw protocol ("send"), a publish ("pub" with "reply", "data"
as text or JSON, and optional "headers"), then collects what the server sends for "wait" milliseconds (150 by
default). The server's PINGs are answered and not printed. What differs between two honest servers is
normalised: server ids and names, times, the timestamps in ack subjects, generated consumer names (numbered in
order of appearance), and the byte counts of MSG lines (which follow from the rest). Two servers that print the
same for a probe behave the same on the wire for it.
"""
import json
import re
import socket
import sys
import time


class Names:
    """Numbers the random names a server generates, in order of appearance, so runs compare."""

    def __init__(self):
        self.seen = {}

    def __call__(self, m):
        name = m.group(2)
        self.seen.setdefault(name, f"NAME{len(self.seen) + 1}")
        return m.group(1) + self.seen[name] + m.group(3)


def normalise(text, names):
    text = re.sub(r'"(server_id|server_name|leader|client_ip|nonce|xkey)":"[^"]*"', r'"\1":"X"', text)
    text = re.sub(r',"xkey":"X"', "", text)
    text = re.sub(r'"(created|ts|last_active|time|first_ts|last_ts)":"[^"]*"', r'"\1":"T"', text)
    text = re.sub(r'"(client_id|port|go|version|host|connect_urls|cluster)":("[^"]*"|\d+|\[[^\]]*\])', r'"\1":"X"', text)
    text = re.sub(r'("name":")([A-Za-z0-9]{8})(")', names, text)
    text = re.sub(r'(\$JS\.ACK\.[^. ]+\.)([A-Za-z0-9]{8})(\.)', names, text)
    text = re.sub(r'(\$JS\.ACK\.[^ ]+\.\d+\.\d+\.\d+\.)\d{16,}(\.\d+)', r'\1TS\2', text)
    text = re.sub(r'^(H?MSG [^ ]+ [^ ]+(?: [^ ]+)?) (\d+ )?\d+$', lambda m: m.group(1) + " N", text, flags=re.M)
    return text


def operations(text):
    """Splits received text into whole operations, for steps whose messages a server may send in any order."""
    ops = []
    for line in text.split("\n"):
        if re.match(r"(MSG|HMSG|INFO|PONG|\+OK|-ERR) ?", line) or not ops:
            ops.append(line)
        else:
            ops[-1] += "\n" + line
    return ops


def encode_pub(step):
    data = step.get("data", "")
    if not isinstance(data, str):
        data = json.dumps(data, separators=(",", ":"))
    data = data.encode()
    reply = step.get("reply", "")
    if "headers" in step:
        h = "NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in step["headers"].items()) + "\r\n"
        h = h.encode()
        return f"HPUB {step['pub']} {reply} {len(h)} {len(h) + len(data)}\r\n".encode() + h + data + b"\r\n"
    return f"PUB {step['pub']} {reply} {len(data)}\r\n".encode() + data + b"\r\n"


def main(path, port):
    steps = json.load(open(path))
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.settimeout(0.02)
    names = Names()

    def drain(ms):
        out = b""
        end = time.time() + ms / 1000
        while time.time() < end:
            try:
                d = s.recv(65536)
                if not d:
                    break
                out += d
            except socket.timeout:
                pass
            while b"PING\r\n" in out:
                s.sendall(b"PONG\r\n")
                out = out.replace(b"PING\r\n", b"", 1)
        return out

    for step in steps:
        if "send" in step:
            s.sendall(step["send"].replace("\n", "\r\n").encode())
        if "pub" in step:
            s.sendall(encode_pub(step))
        got = drain(step.get("wait", 150))
        print(f"## {step.get('name', step.get('pub', step.get('send', '')))}")
        text = normalise(got.decode("utf-8", "replace").replace("\r\n", "\n"), names).rstrip()
        if step.get("any_order"):
            text = "\n".join(sorted(op.rstrip() for op in operations(text) if op.strip()))
        print(text)


main(*sys.argv[1:])
