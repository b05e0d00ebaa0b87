#!/usr/bin/env python3
"""Copies Python-in-the-page into the build: Pyodide's core files and the nats-py wheel (as scripts/setup.sh
installed them) and the worker and bridge, into DIST/vendor/pyodide/ and DIST/python-worker.js, with a manifest
of the sizes the worker's progress bar counts against. Nothing here is loaded until a Python cell first runs.

Usage: python3 scripts/copy_python.py [DIST]   (Trunk passes TRUNK_STAGING_DIR)"""

import glob
import json
import os
import shutil
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRUNK_STAGING_DIR", os.path.join(root, "dist"))
pyodide = os.path.join(root, ".tools/pyodide/node_modules/pyodide")
wheels = sorted(glob.glob(os.path.join(root, ".tools/wheels/nats_py-*.whl")))
core = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
missing = [f for f in core if not os.path.exists(os.path.join(pyodide, f))]
if missing or not wheels:
    sys.exit("copy_python: Pyodide or the nats-py wheel is missing: run scripts/setup.sh")

dest = os.path.join(out, "vendor/pyodide")
os.makedirs(dest, exist_ok=True)
for f in core:
    shutil.copyfile(os.path.join(pyodide, f), os.path.join(dest, f))
wheel = os.path.basename(wheels[-1])
shutil.copyfile(wheels[-1], os.path.join(dest, wheel))
shutil.copyfile(os.path.join(root, "static/python/kvplay_bridge.py"), os.path.join(dest, "kvplay_bridge.py"))
shutil.copyfile(os.path.join(root, "static/python/worker.js"), os.path.join(out, "python-worker.js"))
# What the worker fetches (pyodide.mjs and pyodide.asm.mjs are imported as modules, not fetched).
fetched = ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", wheel, "kvplay_bridge.py"]
sizes = {f: os.path.getsize(os.path.join(dest, f)) for f in fetched}
with open(os.path.join(dest, "manifest.json"), "w") as fh:
    json.dump({"wheel": wheel, "files": sizes, "total": sum(sizes.values())}, fh)
# The memory snapshot the worker restores instead of booting Pyodide; it reads the manifest written above, so it
# runs here, after the copy (Trunk runs its post-build hooks side by side).
subprocess.run(["node", os.path.join(root, "scripts/make_py_snapshot.mjs"), out], check=True)
