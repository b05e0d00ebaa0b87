#!/usr/bin/env python3
"""Trunk post-build hook: moves the inline module script Trunk writes into index.html to a file, boot.js, so the
page's Content-Security-Policy can allow scripts from 'self' only, with no inline script."""
import hashlib
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "")
if not staging:
    sys.exit("externalize_boot: TRUNK_STAGING_DIR is not set")
index = os.path.join(staging, "index.html")
html = open(index, encoding="utf-8").read()
m = re.search(r'<script type="module">(.*?)</script>', html, re.S)
if not m:
    sys.exit(0)  # already external
body = m.group(1).strip() + "\n"
name = "boot-%s.js" % hashlib.sha256(body.encode()).hexdigest()[:16]
with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
    f.write(body)
public = os.environ.get("TRUNK_PUBLIC_URL", "/")
html = html[: m.start()] + '<script type="module" src="%s%s"></script>' % (public, name) + html[m.end():]
open(index, "w", encoding="utf-8").write(html)
