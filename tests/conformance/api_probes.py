"""Sends the raw JetStream API probes of api_probes.json to a server and prints each answer, one line per probe.

Each probe is a JSON object, run in order on one connection (so later probes see what earlier ones made):
  {"req": SUBJECT, "data": STRING_OR_JSON, "headers": {...}}   a request; prints the reply's status, headers, body
  {"pub": SUBJECT, "data": ..., "headers": {...}}              a publish without reply; prints "published"
  {"watch": FILTER, "pub": SUBJECT, ...}                       subscribes, publishes, prints the subjects received
  {"raw": [LINE or {"pub", "headers", "data"}, ...], "expect": N}
                                sends protocol lines on a new connection (after CONNECT, then PING); prints what
                                came back up to the PONG, and waits for N messages in all when "expect" says so
  {"note": TEXT}                                               prints the text (a heading in the transcript)
  {"settle": STREAM}            waits (bounded) until the stream has heard from its mirror or sources and stopped
                                changing: nats-server copies a moment later, the playground at once; prints "settled"
What changes from run to run (times, server names and ids, nanosecond stamps) is replaced by placeholders.
Usage: python api_probes.py PROBES.json nats://127.0.0.1:PORT
"""
import asyncio
import base64
import json
import re
import sys

import nats
from nats.errors import NoRespondersError, TimeoutError

TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"')
SERVER = re.compile(r'"(leader|server_id|server_name|name)":"N[A-Z0-9]{55}"')
STAMP = re.compile(r"(Nats-Time-Stamp: )[^\\'\"; ]+")


HDRS = re.compile(r'"hdrs":"([A-Za-z0-9+/=]*)"')
SOURCE = re.compile(r"(Nats-Stream-Source: [^;\]'\"]* )[0-9A-Za-z]{8}")


def normalise(text):
    text = TIME.sub('"<time>"', text)
    # How long ago a mirror or source heard from its origin, and the origin's identity (a hash of its creation time).
    text = re.sub(r'"active":\d+', '"active":"<active>"', text)
    # How long a paused consumer has left.
    text = re.sub(r'"pause_remaining":\d+', '"pause_remaining":"<remaining>"', text)
    text = SOURCE.sub(r"\1<ident>", text)
    # The same in a message get's base64 headers.
    text = HDRS.sub(lambda m: '"hdrs":"' + SOURCE.sub(r"\1<ident>", base64.b64decode(m.group(1)).decode(errors="replace")).encode("unicode_escape").decode() + '"', text)
    text = re.sub(r'"leader":"[^"]*"', '"leader":"<server>"', text)
    text = SERVER.sub(r'"\1":"<server>"', text)
    return STAMP.sub(r"\1<time>", text)


def payload(probe):
    data = probe.get("data", "")
    if isinstance(data, str):
        return data.encode()
    return json.dumps(data, separators=(",", ":")).encode()


def show_msg(msg):
    parts = []
    if msg.headers:
        hdrs = "; ".join(f"{k}: {v}" for k, v in msg.headers.items())
        parts.append("[" + hdrs + "]")
    parts.append(msg.data.decode(errors="replace"))
    return normalise(" ".join(parts))


async def request(nc, probe):
    try:
        msg = await nc.request(probe["req"], payload(probe), timeout=2, headers=probe.get("headers"))
        return show_msg(msg)
    except NoRespondersError:
        return "no responders"
    except TimeoutError:
        return "timeout"


async def watch(nc, probe):
    got = []

    async def on_msg(m):
        got.append(m.subject)

    sub = await nc.subscribe(probe["watch"], cb=on_msg)
    await nc.flush()
    await nc.publish(probe["pub"], payload(probe), headers=probe.get("headers"))
    # A round trip after the publish: whatever the server routes for it directly has arrived by then.
    await nc.flush()
    for _ in range(200):
        if len(got) >= probe.get("expect", 0):
            break
        await asyncio.sleep(0.01)
    await sub.unsubscribe()
    return "received " + json.dumps(got)


def raw_bytes(item):
    """One raw item: a protocol line as given, or {"pub", "headers", "data"} written as PUB or HPUB."""
    if isinstance(item, str):
        return item.encode() + b"\r\n"
    data = payload(item)
    if "headers" not in item:
        return f"PUB {item['pub']} {len(data)}\r\n".encode() + data + b"\r\n"
    hdr = "NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in item["headers"].items()) + "\r\n"
    hdr = hdr.encode()
    return f"HPUB {item['pub']} {len(hdr)} {len(hdr) + len(data)}\r\n".encode() + hdr + data + b"\r\n"


async def raw_msg(reader, line):
    """A MSG or HMSG as one line: subject, reply, header lines and payload (sizes left out, as times change them)."""
    parts = line.split(" ")
    size = int(parts[-1])
    hlen = int(parts[-2]) if parts[0] == "HMSG" else 0
    body = await reader.readexactly(size + 2)
    hdr = body[:hlen].decode(errors="replace").split("\r\n")
    head = " ".join(parts[1:-2] if parts[0] == "HMSG" else parts[1:-1])
    shown = [h for h in hdr if h]
    return normalise(f"{parts[0]} {head} {shown} {body[hlen:size].decode(errors='replace')}")


async def raw(url, probe):
    host, port = url.rsplit("/", 1)[-1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    await reader.readline()
    out = b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n'
    out += b"".join(raw_bytes(i) for i in probe["raw"]) + b"PING\r\n"
    writer.write(out)
    await writer.drain()
    got, msgs, pong = [], 0, False
    # Messages a stream sends on (republished ones) may come after the PONG: "expect" says how many to wait for.
    while not pong or msgs < probe.get("expect", 0):
        try:
            line = await asyncio.wait_for(reader.readline(), 2)
        except asyncio.TimeoutError:
            got.append("<timeout>")
            break
        line = line.decode(errors="replace").rstrip("\r\n")
        if line == "PONG":
            pong = True
        elif line.startswith(("MSG ", "HMSG ")):
            msgs += 1
            got.append(await raw_msg(reader, line))
        elif line == "":
            break
        else:
            got.append(line)
    writer.close()
    return "raw " + json.dumps(got)


async def settle(nc, stream):
    seen, still = None, 0
    for _ in range(200):
        msg = await nc.request(f"$JS.API.STREAM.INFO.{stream}", b"", timeout=2)
        info = json.loads(msg.data)
        st = info.get("state", {})
        origins = ([info["mirror"]] if info.get("mirror") else []) + info.get("sources", [])
        heard = all(o.get("active", -1) >= 0 and o.get("lag", 0) == 0 for o in origins)
        now = (st.get("messages"), st.get("last_seq"))
        still = still + 1 if now == seen and heard else 0
        if still >= 3:
            return "settled"
        seen = now
        await asyncio.sleep(0.05)
    return "never settled"


async def run(nc, probe, url):
    if "note" in probe:
        return "# " + probe["note"]
    if "settle" in probe:
        return await settle(nc, probe["settle"])
    if "req" in probe:
        return await request(nc, probe)
    if "raw" in probe:
        return await raw(url, probe)
    if "watch" in probe:
        return await watch(nc, probe)
    if "pub" in probe:
        await nc.publish(probe["pub"], payload(probe), headers=probe.get("headers"))
        await nc.flush()
        return "published"
    return "bad probe " + json.dumps(probe)


async def main(path, url):
    with open(path) as f:
        probes = json.load(f)
    errors = []

    async def on_error(e):
        errors.append(str(e))

    nc = await nats.connect(url, error_cb=on_error)
    for i, probe in enumerate(probes):
        line = await run(nc, probe, url)
        for e in errors:
            print(f"{i}: async error {e}")
        errors.clear()
        print(f"{i}: {line}", flush=True)
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
