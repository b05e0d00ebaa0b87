"""Round trips of KV put and get with nats-py against one server: prints `put_mean_us get_mean_us`.
Usage: python rtt.py nats://127.0.0.1:PORT N"""
import asyncio
import sys
import time

import nats


async def main(url, n):
    nc = await nats.connect(url)
    kv = await nc.jetstream().create_key_value(bucket="rttpy")
    value = b"x" * 100
    for i in range(50):  # warm up
        await kv.put(f"k{i % 50}", value)
    t = time.perf_counter()
    for i in range(n):
        await kv.put(f"k{i % 50}", value)
    put = (time.perf_counter() - t) / n
    t = time.perf_counter()
    for i in range(n):
        await kv.get(f"k{i % 50}")
    get = (time.perf_counter() - t) / n
    print(f"{put * 1e6:.1f} {get * 1e6:.1f}")
    await nc.close()


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
