"""Publishes what makes JetStream advisories (a stream created, updated and deleted; a consumer created, paused,
resumed and deleted; a message refused, terminated with and without a reason, and delivered up to max_deliver)
and prints every advisory heard on $JS.EVENT.> except the API audits, ids and times left out.
Usage: python advisories.py PORT"""
import asyncio, json, sys, re
import nats
async def main(port):
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    got=[]
    async def cb(m):
        got.append((m.subject, m.data.decode()))
    await nc.subscribe("$JS.EVENT.>", cb=cb)
    js = nc.jetstream()
    async def req(s, d=b""):
        try:
            r = await nc.request(s, d if isinstance(d,bytes) else json.dumps(d).encode(), timeout=2)
            return r
        except Exception as e:
            return e
    await req("$JS.API.STREAM.CREATE.AV", {"name":"AV","subjects":["av.>"]})
    await req("$JS.API.STREAM.UPDATE.AV", {"name":"AV","subjects":["av.>"],"max_msgs":10})
    await req("$JS.API.STREAM.CREATE.AV", {"name":"AV","subjects":["av.>"],"max_msgs":10})
    await req("$JS.API.CONSUMER.CREATE.AV.C", {"stream_name":"AV","config":{"durable_name":"C","ack_policy":"explicit","max_deliver":2,"ack_wait":500000000}})
    await req("$JS.API.CONSUMER.CREATE.AV.C", {"stream_name":"AV","config":{"durable_name":"C","ack_policy":"explicit","max_deliver":2,"ack_wait":500000000}})
    for i in range(3): await req("av.a", b"x")
    sub = await nc.subscribe("_R.>")
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.AV.C", b'{"batch":3}', reply="_R.1")
    msgs=[]
    for i in range(3):
        msgs.append(await sub.next_msg(timeout=2))
    await nc.publish(msgs[0].reply, b"-NAK")
    await nc.publish(msgs[1].reply, b"+TERM because")
    await nc.publish(msgs[2].reply, b"+TERM")
    await nc.flush()
    await asyncio.sleep(0.3)
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.AV.C", b'{"batch":3,"expires":3000000000}', reply="_R.2")
    # nak'ed msg 1 comes back; don't ack; wait for max deliver
    try:
        m = await sub.next_msg(timeout=2)
    except Exception: pass
    await asyncio.sleep(1.5)
    await req("$JS.API.CONSUMER.PAUSE.AV.C", {"pause_until":"2999-01-01T00:00:00Z"})
    await req("$JS.API.CONSUMER.PAUSE.AV.C", {})
    await req("$JS.API.CONSUMER.DELETE.AV.C")
    await req("$JS.API.STREAM.DELETE.AV")
    await req("$JS.API.STREAM.DELETE.NOPE")
    await asyncio.sleep(0.5)
    for s,d in got:
        if s == "$JS.EVENT.ADVISORY.API":
            continue
        d=re.sub(r'"id":"[A-Za-z0-9]+"','"id":"<id>"',d)
        d=re.sub(r'"timestamp":"[^"]+"','"timestamp":"<t>"',d)
        d=re.sub(r'"(server|server_id|host|name|cluster)":"[^"]*"',r'"\1":"<s>"',d)
        print(s, d[:700])
    await nc.close()
asyncio.run(main(sys.argv[1]))
