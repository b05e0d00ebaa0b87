"""Where a wasm module's bytes go, by Rust module path, and what changed between two builds (a small stand-in
for `twiggy top` and `twiggy diff`). Reads the code section's function bodies and the `name` section that
rustc keeps (run it on cargo's output or wasm-bindgen's, before wasm-opt strips the names).

Usage: python scripts/wasm_sizes.py NEW.wasm [OLD.wasm] [--depth N] [--top N]
"""
import re
import sys
from collections import Counter


def leb(b, i):
    n = shift = 0
    while True:
        x = b[i]
        i += 1
        n |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return n, i


def functions(path):
    """{name: body bytes} for every defined function, and the data segments' total."""
    b = open(path, "rb").read()
    i, imported, bodies, names, data = 8, 0, [], {}, 0
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 2:  # imports: functions among them take the first indices
            n, j = leb(b, i)
            for _ in range(n):
                for _ in range(2):
                    ln, j = leb(b, j)
                    j += ln
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imported += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 2:
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 3:
                    j += 2
                else:
                    _, j = leb(b, j)
                    _, j = leb(b, j)
        elif sid == 10:
            n, j = leb(b, i)
            for _ in range(n):
                s, j2 = leb(b, j)
                bodies.append(s + (j2 - j))
                j = j2 + s
        elif sid == 11:
            data += size
        elif sid == 0:
            ln, j = leb(b, i)
            if b[j:j + ln] == b"name":
                j += ln
                while j < end:
                    sub, j = leb(b, j)
                    ssize, j = leb(b, j)
                    send = j + ssize
                    if sub == 1:
                        n, k = leb(b, j)
                        for _ in range(n):
                            idx, k = leb(b, k)
                            ln2, k = leb(b, k)
                            names[idx] = b[k:k + ln2].decode("utf-8", "replace")
                            k += ln2
                    j = send
        i = end
    out = Counter()
    for n, size in enumerate(bodies):
        out[demangle(names.get(imported + n, f"func[{imported + n}]"))] += size
    return out, data


def demangle(s):
    """Rust's legacy mangling (`_ZN...E`) to a path, enough to group by module."""
    m = re.match(r"_ZN(.*)E$", s)
    if not m:
        return s
    rest, parts = m.group(1), []
    while rest and rest[0].isdigit():
        n = re.match(r"\d+", rest).group(0)
        parts.append(rest[len(n):len(n) + int(n)])
        rest = rest[len(n) + int(n):]
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    text = "::".join(p[1:] if p.startswith("_$") else p for p in parts)
    for a, b in (("_$LT$", "<"), ("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","), ("..", "::"),
                 ("$u7b$", "{"), ("$u7d$", "}"), ("$BP$", "*"), ("$u27$", "'"), ("$u5b$", "["), ("$u5d$", "]")):
        text = text.replace(a, b)
    return text


def group(name, depth):
    """The module a function belongs to: the first path inside `<...>` for trait impls, cut to `depth` parts."""
    inner = re.match(r"<(?:&(?:mut )?)?([\w:]+)", name)
    path = inner.group(1) if inner else name
    parts = path.split("::")
    return "::".join(parts[:depth])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    depth = int(sys.argv[sys.argv.index("--depth") + 1]) if "--depth" in sys.argv else 3
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 30
    args = [a for a in args if not a.isdigit()]
    new, new_data = functions(args[0])
    by = lambda fs: sum((Counter({group(n, depth): s}) for n, s in fs.items()), Counter())
    if len(args) == 1:
        print(f"code {sum(new.values())} bytes in {len(new)} functions, data {new_data} bytes")
        for g, s in by(new).most_common(top):
            print(f"{s:9d}  {g}")
        return
    old, old_data = functions(args[1])
    print(f"code {sum(old.values())} -> {sum(new.values())} bytes ({sum(new.values()) - sum(old.values()):+d}), "
          f"data {old_data} -> {new_data} ({new_data - old_data:+d})")
    gn, go = by(new), by(old)
    delta = {g: gn.get(g, 0) - go.get(g, 0) for g in set(gn) | set(go)}
    print("\nby module (bytes of code, new - old):")
    for g, d in sorted(delta.items(), key=lambda x: -abs(x[1]))[:top]:
        print(f"{d:+9d}  {g}  ({go.get(g, 0)} -> {gn.get(g, 0)})")
    print("\nby function:")
    fd = {f: new.get(f, 0) - old.get(f, 0) for f in set(new) | set(old)}
    for f, d in sorted(fd.items(), key=lambda x: -abs(x[1]))[:top]:
        print(f"{d:+9d}  {f[:150]}")


main()
