#!/usr/bin/env python3
"""Reports dependency cycles between Rust modules of one crate.

Edges come from paths that start with `crate::`, `super::` or `self::`, in `use` items
(nested braces included) and inline in code. An edge joins the two modules where the using
file and the used path part: two top-level modules (`config` -> `eval`), or two siblings
under one parent (`formats::doc` -> `formats::interactly`).

How a path is resolved, so that no real edge is hidden:
- `super::`/`self::` count from the module the path is written in, inline modules included
  (`mod tests { use super::super::x; }` in `a/b.rs` means `a::x`).
- A name a module imports (`use child::{A, B as C}`, any visibility: children see their
  parent's private imports too) resolves to where it comes from, through chains of
  re-exports: `super::X` that the parent re-exports from `child` is an edge to `child`, and a
  re-export of `crate::other::Y` is an edge to `other`.
- Comments and string, byte and char literals are skipped in one pass (paths in them are no
  edges, and a `"//"` in a string does not swallow the rest of its line).
- Test code counts: a cycle through it still ties the modules together (a lower layer's test
  that needs a higher one belongs above both).

Usage: scripts/module_cycles.py [SRC_DIR]   (default: src). Exit 1 when a cycle is found,
2 when SRC_DIR holds no Rust file.
"""

import os
import re
import sys
from collections import defaultdict

PATH = re.compile(r"\b(crate|super|self)((?:\s*::\s*\w+)+)")
USE = re.compile(r"\buse\s+([^;]*);", re.S)
INLINE_MOD = re.compile(r"\bmod\s+(\w+)\s*\{")
# Comments, raw strings, strings (byte strings too), char literals: one left-to-right pass.
LITERAL = re.compile(
    r"//[^\n]*"
    r"|/\*.*?\*/"
    r"|b?r(#*)\".*?\"\1"
    r"|b?\"(?:\\.|[^\"\\])*\""
    r"|b?'(?:\\u\{[0-9a-fA-F]+\}|\\.|[^'\\\n])'",
    re.S,
)
KEYWORDS = ("crate", "super", "self")


def strip(text):
    """Blanks comments and literals (newlines kept, so offsets and lines stay meaningful)."""

    def blank(m):
        s = m.group(0)
        if s.startswith("/"):
            return re.sub(r"[^\n]", " ", s)
        return '""'

    return LITERAL.sub(blank, text)


def expand(tree):
    """`a::{b, c::{d, e as f}}` -> [(['a','b'], 'b'), (['a','c','d'], 'd'), (['a','c','e'], 'f')]:
    each imported path with the name it is known by."""
    tree = re.sub(r"\s+", " ", tree).strip()
    out = []

    def walk(prefix, s):
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for part in parts:
            part = part.strip()
            if not part:
                continue
            if "{" in part:
                head, rest = part.split("{", 1)
                segs = [x.strip() for x in head.split("::") if x.strip()]
                walk(prefix + segs, rest[: rest.rindex("}")])
            else:
                alias = None
                m = re.match(r"(.*?)\s+as\s+(\w+)$", part)
                if m:
                    part, alias = m.group(1), m.group(2)
                segs = [x.strip() for x in part.split("::") if x.strip()]
                if not segs:
                    continue
                name = alias or segs[-1]
                if segs[-1] == "self":  # `a::{self}` imports `a`
                    segs = segs[:-1]
                    name = alias or (segs[-1] if segs else "self")
                out.append((prefix + segs, name))

    walk([], tree)
    return out


def module_of(rel):
    """src-relative file path -> module path (tuple of names)."""
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def inline_modules(text):
    """[(start, end, name)] of the inline `mod name { … }` blocks of a stripped file."""
    out = []
    for m in INLINE_MOD.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        out.append((m.start(), i, m.group(1)))
    return out


def scope_at(file_mod, blocks, pos):
    """The module a position of a file is in (inline modules included)."""
    here = list(file_mod)
    for start, end, name in blocks:  # in order of start: outer blocks first
        if start <= pos < end:
            here.append(name)
    return tuple(here)


def absolute(here, path):
    """A `crate::`/`super::`/`self::` path written in module `here`, made absolute; None for
    any other path (the caller resolves `use child::…` itself)."""
    base, rest = list(here), list(path)
    if not rest:
        return None
    if rest[0] not in KEYWORDS:
        return None
    while rest and rest[0] in KEYWORDS:
        if rest[0] == "crate":
            base = []
        elif rest[0] == "super":
            base = base[:-1]
        rest = rest[1:]
    return tuple(base + rest)


def load(src):
    """{src-relative path: stripped text} of the crate's library files."""
    files = {}
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith(".rs"):
                full = os.path.join(root, n)
                rel = os.path.relpath(full, src)
                if rel == "main.rs":
                    continue  # the binary is another crate
                with open(full, encoding="utf-8") as f:
                    files[rel] = strip(f.read())
    return files


def module_edges(files):
    """{(a, b): set of files} for every edge between two top-level or two sibling modules."""
    modules = set()
    scanned = []  # (rel, file module, blocks, text)
    for rel, text in files.items():
        fm = module_of(rel)
        blocks = inline_modules(text)
        scanned.append((rel, fm, blocks, text))
        modules.add(fm)
        for start, _, _ in blocks:
            modules.add(scope_at(fm, blocks, start + 1))
    for m in list(modules):
        for i in range(len(m)):
            modules.add(m[:i])

    # Imports: (module, name) -> absolute path it stands for. A plain first segment names
    # a child of the importing module (`use child::X`) or, failing that, an external crate.
    imports = {}
    uses = []  # (rel, scope, absolute path) of every path used
    for rel, fm, blocks, text in scanned:
        for m in USE.finditer(text):
            here = scope_at(fm, blocks, m.start())
            for path, name in expand(m.group(1)):
                if path[0] in KEYWORDS:
                    target = absolute(here, path)
                elif here + (path[0],) in modules:
                    target = here + tuple(path)
                else:
                    continue  # another crate (std, serde, …)
                if name not in ("*", "self"):
                    imports[(here, name)] = target
                uses.append((rel, here, target))
        for m in PATH.finditer(text):
            here = scope_at(fm, blocks, m.start())
            segs = [m.group(1)] + [s.strip() for s in m.group(2).split("::")[1:]]
            uses.append((rel, here, absolute(here, segs)))

    def resolve(target):
        """The module a path's item lives in, through re-exports (at most 20 hops)."""
        for _ in range(20):
            k = max(i for i in range(len(target) + 1) if target[:i] in modules)
            mod = target[:k]
            if k < len(target) and (mod, target[k]) in imports:
                nxt = imports[(mod, target[k])] + target[k + 1 :]
                if nxt != target:
                    target = nxt
                    continue
            return mod
        return mod

    edges = defaultdict(set)
    for rel, here, target in uses:
        if not target:
            continue
        mod = resolve(target)
        common = 0
        while common < min(len(here), len(mod)) and here[common] == mod[common]:
            common += 1
        if common < len(here) and common < len(mod):
            a = "::".join(here[: common + 1])
            b = "::".join(mod[: common + 1])
            edges[(a, b)].add(rel)
    return edges


def strongly_connected(graph):
    """Tarjan's algorithm; components of two or more modules."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def check(src, out=sys.stdout):
    """Prints the cycles of the crate at `src`; returns the exit code."""
    files = load(src)
    if not files:
        print(f"{src}: no Rust files", file=sys.stderr)
        return 2
    edges = module_edges(files)
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    cycles = strongly_connected(graph)
    if not cycles:
        print(f"no cycles ({len(edges)} edges between modules)", file=out)
        return 0
    for comp in sorted(cycles, key=sorted):
        print("cycle: " + " <-> ".join(sorted(comp)), file=out)
        for a in sorted(comp):
            for b in sorted(graph[a] & comp):
                print(f"  {a} -> {b}: {', '.join(sorted(edges[(a, b)]))}", file=out)
    return 1


if __name__ == "__main__":
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else "src"))
