"""Runs again, with nats-py, every `create_key_value` call (keyword arguments only) in a lesson's Python programs,
against the server given; exits 1 if any is refused. After the lesson's `kv-ops` have made the buckets, each
call must find its bucket as the program would have made it (a server refuses a different configuration)."""
import ast
import asyncio
import re
import sys

import nats


def calls(md):
    for code in re.findall(r"```python\n(.*?)```", open(md, encoding="utf-8").read(), re.S):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "create_key_value" and not n.args and n.keywords:
                yield ast.unparse(n)


async def main(md, url):
    nc = await nats.connect(url)
    js = nc.jetstream()
    found = list(calls(md))
    failed = False
    for call in found:
        try:
            await eval(call, {"js": js})
            print("ok:", call)
        except Exception as e:  # the refusal is what the test reports
            failed = True
            print("refused:", call, "->", e)
    await nc.close()
    if not found:
        print("the lesson has no create_key_value call")
    sys.exit(1 if failed or not found else 0)


asyncio.run(main(sys.argv[1], sys.argv[2]))
