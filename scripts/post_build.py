#!/usr/bin/env python3
"""Trunk post-build hook: builds the whole app and the snippet embed beside the first load, and writes the page's
loader.

Trunk builds the first load (the `playground-lite` binary: terminal, explorer, clock). This hook builds the whole
app (the `playground` binary), the lesson embed (`playground-lesson`) and the snippet embed (`playground-snippet`)
the same way (cargo, wasm-bindgen, wasm-opt -Oz for release) into `full/`, `lesson/` and `snippet/`, then
replaces Trunk's inline start-up script with `boot-HASH.js` (so the Content-Security-Policy can forbid inline
scripts), which starts the first load, the lesson module for a lesson embed, the snippet module for a snippet
embed, or the whole app at once for an address that needs it (a lesson), and defines `kvplayParts.load(intent)`:
fetch and compile the whole app, take the small module's state (`kvplay_hand_over`), unmount it (`kvplay_retire`) and start the whole app, which
takes the hand-over.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "")
if not staging:
    sys.exit("post_build: TRUNK_STAGING_DIR is not set")
release = os.environ.get("TRUNK_PROFILE", "debug") == "release"
public = os.environ.get("TRUNK_PUBLIC_URL", "/")
target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
triple = "wasm32-unknown-unknown"


def run(cmd):
    r = subprocess.run(cmd, cwd=root)
    if r.returncode != 0:
        sys.exit("post_build: %s failed" % cmd[0])


def minify(path):
    """Release builds: the page's own scripts and style sheet, minified in place with esbuild (the JavaScript
    bundler scripts/setup.sh installs). The glue wasm-bindgen writes, the loader and the style sheet are on every
    page's first load; minified they are 4.7 KB (gzip) smaller."""
    if not release:
        return
    esbuild = shutil.which("esbuild") or os.path.join(root, ".tools/npm/node_modules/.bin/esbuild")
    out = path + ".min"
    run([esbuild, path, "--minify", "--target=es2022", "--log-level=warning", "--outfile=" + out]
        + ([] if path.endswith(".css") else ["--format=esm"]))
    os.replace(out, path)


# 1. The whole app and the snippet embed, built as Trunk builds the first load.
modules = {"full": "playground", "lesson": "playground-lesson", "snippet": "playground-snippet"}
cargo = ["cargo", "build", "--target", triple]
for b in modules.values():
    cargo += ["--bin", b]
if release:
    cargo.append("--release")
run(cargo)
built = {}
for part, binary in modules.items():
    wasm = os.path.join(target_dir, triple, "release" if release else "debug", binary + ".wasm")
    out = os.path.join(staging, part)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run(["wasm-bindgen", "--target", "web", "--no-typescript", "--out-dir", out, "--out-name", part, wasm])
    bg = os.path.join(out, part + "_bg.wasm")
    if release:
        opt = shutil.which("wasm-opt") or os.path.join(root, ".tools/npm/node_modules/.bin/wasm-opt")
        run([opt, "-Oz", "--enable-reference-types", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
             "--enable-sign-ext", "--enable-mutable-globals", "--enable-multivalue", bg, "-o", bg])
    digest = hashlib.sha256(open(bg, "rb").read()).hexdigest()[:16]
    js, wasm_name = "%s-%s.js" % (part, digest), "%s-%s_bg.wasm" % (part, digest)
    minify(os.path.join(out, part + ".js"))
    os.rename(os.path.join(out, part + ".js"), os.path.join(out, js))
    os.rename(bg, os.path.join(out, wasm_name))
    built[part] = {"js": "%s%s/%s" % (public, part, js), "wasm": "%s%s/%s" % (public, part, wasm_name)}

# 2. The loader, in place of Trunk's inline script; Trunk's preload links go (the loader fetches what the address
# needs, and a lesson's address needs the whole app, not the first load).
index = os.path.join(staging, "index.html")
html = open(index, encoding="utf-8").read()
m = re.search(r'<script type="module">(.*?)</script>', html, re.S)
if not m:
    sys.exit("post_build: Trunk's start-up script is missing from index.html")
script = m.group(1)
lite_js = re.search(r"from ['\"]([^'\"]+\.js)['\"]", script)
lite_wasm = re.search(r"module_or_path: ['\"]([^'\"]+\.wasm)['\"]", script)
if not lite_js or not lite_wasm:
    sys.exit("post_build: cannot read Trunk's start-up script")
paths = dict(built, lite={"js": lite_js.group(1), "wasm": lite_wasm.group(1)})

# 3. The built-in lessons as files beside the page, by their short names (`lesson::BUILT_IN`): the lesson
# module reads the one its address names from there (the loader fetches it beside the module) instead of
# carrying every lesson compiled in, as the whole app does.
table = open(os.path.join(root, "src", "lesson", "mod.rs"), encoding="utf-8").read()
entries = re.findall(r'\("(\w+)",\s*include_str!\("\.\./\.\./lessons/([^"]+)"\)\)', table)
if not entries or len(entries) != table.count('include_str!("../../lessons/'):
    sys.exit("post_build: cannot read the built-in lessons from src/lesson/mod.rs")
os.makedirs(os.path.join(staging, "lessons"), exist_ok=True)
lessons = {}
for name, file in entries:
    shutil.copyfile(os.path.join(root, "lessons", file), os.path.join(staging, "lessons", file))
    lessons[name] = "%slessons/%s" % (public, file)

loader = open(os.path.join(root, "static", "loader.js"), encoding="utf-8").read()
body = "const PARTS = %s;\nconst LESSONS = %s;\n%s" % (json.dumps(paths), json.dumps(lessons), loader)
boot = os.path.join(staging, "boot.js")
with open(boot, "w", encoding="utf-8") as f:
    f.write(body)
minify(boot)
name = "boot-%s.js" % hashlib.sha256(open(boot, "rb").read()).hexdigest()[:16]
os.rename(boot, os.path.join(staging, name))
# Trunk's first load (its glue) and the style sheet, whose integrity attribute then names the minified bytes.
minify(os.path.join(staging, lite_js.group(1)[len(public):]))
html = html[: m.start()] + '<script type="module" src="%s%s"></script>' % (public, name) + html[m.end():]
html = re.sub(r'\s*<link rel="(?:modulepreload|preload)"[^>]*>', "", html)
for css in re.findall(r'<link rel="stylesheet" href="%s([^"]+\.css)" integrity="([^"]+)"' % re.escape(public), html):
    path = os.path.join(staging, css[0])
    minify(path)
    digest = "sha384-" + base64.b64encode(hashlib.sha384(open(path, "rb").read()).digest()).decode()
    html = html.replace(css[1], digest)
open(index, "w", encoding="utf-8").write(html)
