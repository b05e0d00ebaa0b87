"""Durable sourcing (nats-server 2.14): a source and a mirror that read through a push consumer the user made on
the origin, and a source whose consumer does not exist. Prints what each stream holds (subjects, payloads, the
Nats-Stream-Source header without the origin's identity), its sources' state and the consumer's progress.
Usage: python durable_source.py PORT"""
import asyncio, json, sys, re, base64
import nats
async def main(port):
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    async def req(s, d=b""):
        try:
            r = await nc.request(s, d if isinstance(d,bytes) else json.dumps(d).encode(), timeout=2); return json.loads(r.data) if r.data[:1]==b"{" else r.data
        except Exception as e:
            return repr(e)
    await req("$JS.API.STREAM.CREATE.UP", {"name":"UP","subjects":["up.>"]})
    for i in range(3): await req("up.a", b"x%d"%i)
    await req("up.b", b"b")
    await req("$JS.API.CONSUMER.CREATE.UP.C", {"stream_name":"UP","config":{"durable_name":"C","deliver_subject":"dd","ack_policy":"flow_control","flow_control":True,"idle_heartbeat":1000000000,"filter_subject":"up.a"}})
    await req("$JS.API.STREAM.CREATE.DN0", {"name":"DN0","sources":[{"name":"UP","consumer":{"name":"NOPE","deliver_subject":"dd0"}}]})
    print("create", json.dumps((await req("$JS.API.STREAM.CREATE.DN", {"name":"DN","sources":[{"name":"UP","consumer":{"name":"C","deliver_subject":"dd"}}]}))["config"]["sources"]))
    await req("$JS.API.CONSUMER.CREATE.UP.CM", {"stream_name":"UP","config":{"durable_name":"CM","deliver_subject":"dm","ack_policy":"flow_control","flow_control":True,"idle_heartbeat":1000000000}})
    await req("$JS.API.STREAM.CREATE.MR", {"name":"MR","mirror":{"name":"UP","consumer":{"name":"CM","deliver_subject":"dm"}}})
    await asyncio.sleep(1.5)
    for i in range(2): await req("up.a", b"y%d"%i)
    await asyncio.sleep(1.5)
    for s in ["DN","DN0","MR"]:
        i = await req(f"$JS.API.STREAM.INFO.{s}")
        src = [{k:v for k,v in x.items() if k != "active"} | {"active": x.get("active",-1) >= 0} for x in i.get("sources",[])]
        print(s, json.dumps(src), i["state"]["messages"], i["state"]["last_seq"])
    ci = await req("$JS.API.CONSUMER.INFO.UP.C")
    print("C", json.dumps(ci["delivered"].get("stream_seq")), json.dumps(ci["ack_floor"].get("stream_seq")), ci["num_pending"], ci["num_ack_pending"])
    for q in range(1,6):
        m = await req("$JS.API.STREAM.MSG.GET.DN", {"seq":q})
        if "message" in m:
            mm = m["message"]; h = base64.b64decode(mm.get("hdrs","")).decode().replace("\r\n"," | ")
            h = re.sub(r"(Nats-Stream-Source: \S+ \d+ \S+ \S+ \S+) \S+", r"\1 <ident>", h)
            print(q, mm["subject"], base64.b64decode(mm["data"]), h)
        else: print(q, m)
    m = await req("$JS.API.STREAM.MSG.GET.MR", {"seq":4})
    print("MR 4", m["message"]["subject"], base64.b64decode(m["message"]["data"]))
    for s in ["DN","DN0","MR","UP"]: await req(f"$JS.API.STREAM.DELETE.{s}")
    await nc.close()
asyncio.run(main(sys.argv[1]))
