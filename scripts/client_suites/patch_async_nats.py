"""Makes an unpacked async-nats crate build its own tests here.

The published crate leaves out its `nats-server` test helper (a path dependency in its
repository); this points it at the harness's helper, drops the dev-dependencies that only the
benches and other test files use (so the KV and JetStream tests compile sooner), drops the
benches, and makes the crate its own workspace. Usage: patch_async_nats.py CRATE_DIR HELPER_DIR
"""
import re
import sys

crate, helper = sys.argv[1], sys.argv[2]
path = f"{crate}/Cargo.toml"
text = open(path).read()
if "# patched by the client-suite harness" in text:
    # Already patched: only point it at this checkout's helper.
    new = re.sub(r'(\[dev-dependencies\.nats-server\]\npath = )"[^"]*"', lambda m: f'{m.group(1)}"{helper}"', text)
    if new != text:  # unchanged, it leaves cargo's build as fresh as it was
        open(path, "w").write(new)
    sys.exit(0)
drop_dev = {"criterion", "reqwest", "jsonschema", "chrono", "num", "tracing-subscriber", "rand"}
out, skip = [], False
for block in re.split(r'(?m)^(?=\[)', text):
    header = block.split("\n", 1)[0].strip()
    m = re.fullmatch(r'\[dev-dependencies\.([^\]]+)\]', header)
    if m and m.group(1).strip('"') in drop_dev:
        continue
    if header == "[[bench]]":
        continue
    out.append(block)
text = "".join(out)
text += f'\n[dev-dependencies.nats-server]\npath = "{helper}"\n\n[workspace]\n# patched by the client-suite harness\n'
open(path, "w").write(text)
