#!/usr/bin/env python3
"""Reports dependency cycles between Rust modules of one crate.

Edges come from paths that start with `crate::`, `super::` or `self::`, in `use` items
(nested braces included) and inline in code. An edge joins the two modules where the using
file and the used path part: two top-level modules (`config` -> `eval`), or two siblings
under one parent (`formats::doc` -> `formats::interactly`). Names that a parent re-exports
(`pub use child::{A, B}`) resolve to the child that defines them. Test code counts: a
cycle through it still ties the modules together.

Usage: scripts/module_cycles.py [SRC_DIR]   (default: src). Exit 1 when a cycle is found.
"""

import os
import re
import sys
from collections import defaultdict

PATH = re.compile(r"\b(crate|super|self)((?:::\w+)+)")
USE = re.compile(r"\buse\s+((?:crate|super|self)\s*::[^;]*);", re.S)


def strip(text):
    """Drops comments and string literals (paths in them are no edges)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'r#+".*?"#+', '""', text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text, flags=re.S)
    return text


def expand(tree):
    """`a::{b, c::{d, e}}` -> [['a','b'], ['a','c','d'], ['a','c','e']]."""
    tree = re.sub(r"\s+", "", tree)
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
            if not part:
                continue
            if "{" in part:
                head, rest = part.split("{", 1)
                segs = [x for x in head.split("::") if x]
                walk(prefix + segs, rest[: rest.rindex("}")])
            else:
                segs = [x for x in part.split(" as ")[0].split("::") if x]
                out.append(prefix + segs)

    walk([], tree)
    return out


def module_of(rel):
    """src-relative file path -> module path (list of names)."""
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
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
    modules = {tuple(module_of(r)) for r in files}
    # Every prefix of a module path is a module too (inline `mod tests` aside).
    for m in list(modules):
        for i in range(len(m)):
            modules.add(m[:i])
    # Re-exports: (parent, name) -> child module that defines it.
    reexport = {}
    for rel, text in files.items():
        parent = tuple(module_of(rel))
        for m in re.finditer(r"\bpub\s+use\s+([^;]+);", text):
            for path in expand(m.group(1)):
                if path and path[0] not in ("crate", "super", "self") and len(path) >= 2:
                    child = parent + (path[0],)
                    if child in modules:
                        reexport[(parent, path[-1])] = child

    edges = defaultdict(set)  # (a, b) -> files
    for rel, text in files.items():
        here = module_of(rel)
        paths = [p for m in USE.finditer(text) for p in expand(m.group(1))]
        paths += [[m.group(1)] + m.group(2).split("::")[1:] for m in PATH.finditer(text)]
        for p in paths:
            base, rest = list(here), p
            while rest and rest[0] in ("crate", "super", "self"):
                if rest[0] == "crate":
                    base = []
                elif rest[0] == "super":
                    base = base[:-1]
                rest = rest[1:]
            target = base + rest
            # The longest module prefix of the path; then the re-export of its next name.
            k = max(i for i in range(len(target) + 1) if tuple(target[:i]) in modules)
            mod = list(target[:k])
            if k < len(target) and (tuple(mod), target[k]) in reexport:
                mod = list(reexport[(tuple(mod), target[k])])
            common = 0
            while common < min(len(here), len(mod)) and here[common] == mod[common]:
                common += 1
            if common < len(here) and common < len(mod):
                a = "::".join(here[: common + 1])
                b = "::".join(mod[: common + 1])
                edges[(a, b)].add(rel)

    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    cycles = strongly_connected(graph)
    if not cycles:
        print(f"no cycles ({len(edges)} edges between modules)")
        return 0
    for comp in cycles:
        print("cycle: " + " <-> ".join(sorted(comp)))
        for a in sorted(comp):
            for b in sorted(graph[a] & comp):
                print(f"  {a} -> {b}: {', '.join(sorted(edges[(a, b)]))}")
    return 1


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


if __name__ == "__main__":
    sys.exit(main())
