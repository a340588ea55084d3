#!/usr/bin/env python3
"""Check the layering of sipwarden's sources (the style suite).

    python3 tests/tools/layers.py [ROOT]

Reads every #include of the C files (.c, .h) in ROOT's core/, auth/, sip/
and proxy/ (ROOT: the tree this script is in) and fails when

  - a folder includes one of ours it may not: core/ only core/, auth/
    core/ and auth/, sip/ core/, auth/ and sip/ (proxy/ anything);
  - core/, auth/ or sip/ includes <event2/...> (they link no libevent);
  - the file-level include graph has a cycle, X.c and X.h counting as one
    node X: a.h -> b.h -> a.h, or a.c calling into b.c which includes a.h.

Each layering problem is one line naming FILE:LINE; a cycle is a line
naming the nodes that form it, then one line (FILE:LINE) for each include
among them.  The last line says how many problems there were.  Exit status 0 when there
are none, 1 when there are, 2 on bad arguments.
"""
import os
import re
import sys

FOLDERS = ("core", "auth", "sip", "proxy")
# What each folder may include of ours; None: anything.
ALLOWED = {
    "core": ("core",),
    "auth": ("core", "auth"),
    "sip": ("core", "auth", "sip"),
    "proxy": None,
}
NO_LIBEVENT = ("core", "auth", "sip")

QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
EVENT2 = re.compile(r"^\s*#\s*include\s*<(event2/[^>]*)>")


def sources(root):
    """Every .c and .h below the four folders, as paths relative to root."""
    found = []
    for folder in FOLDERS:
        top = os.path.join(root, folder)
        for dirpath, dirs, files in os.walk(top):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    full = os.path.join(dirpath, f)
                    found.append(os.path.relpath(full, root))
    return found


def includes(root, path):
    """(line number, kind, target) for each include of path; our own
    includes resolved as paths from root."""
    out = []
    with open(os.path.join(root, path), encoding="utf-8",
              errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = QUOTED.match(line)
            if m:
                out.append((n, "ours", resolve(root, path, m.group(1))))
                continue
            m = EVENT2.match(line)
            if m:
                out.append((n, "event2", m.group(1)))
    return out


def resolve(root, path, target):
    """An include as a path from root: rooted (our style, "core/addr.h")
    or, failing that, next to the including file."""
    if os.path.isfile(os.path.join(root, target)):
        return os.path.normpath(target)
    near = os.path.normpath(os.path.join(os.path.dirname(path), target))
    if os.path.isfile(os.path.join(root, near)):
        return near
    return os.path.normpath(target)


def folder_of(path):
    """The top folder of a path ('' for a file at the top, e.g. version.h)."""
    parts = path.split("/")
    return parts[0] if len(parts) > 1 else ""


def node_of(path):
    """X.c and X.h are one node, X."""
    return os.path.splitext(path)[0]


def layer_problems(path, incs):
    problems = []
    folder = folder_of(path)
    allowed = ALLOWED[folder]
    for n, kind, target in incs:
        if kind == "event2":
            if folder in NO_LIBEVENT:
                problems.append(f"{path}:{n}: {folder}/ includes <{target}>"
                                f" ({folder}/ links no libevent)")
        elif allowed is not None and folder_of(target) not in allowed:
            may = ", ".join(a + "/" for a in allowed)
            problems.append(f'{path}:{n}: {folder}/ includes "{target}"'
                            f" ({folder}/ may include only {may})")
    return problems


def graph(root, paths, incs_of):
    """node -> {node: (file, line)} for includes among our own files."""
    known = {node_of(p) for p in paths}
    edges = {node_of(p): {} for p in paths}
    for p in paths:
        src = node_of(p)
        for n, kind, target in incs_of[p]:
            dst = node_of(target)
            if kind != "ours" or dst == src or dst not in known:
                continue
            edges[src].setdefault(dst, (p, n))
    return edges


def components(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(1000, 4 * len(edges) + 100))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def cycle_in(comp, edges):
    """One cycle through the first node of comp, as a list of nodes."""
    members = set(comp)
    start = comp[0]
    # Breadth-first from start's successors back to start: a shortest cycle.
    prev = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v]):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    path.reverse()
                    return path + [start]
                if w not in seen:
                    seen.add(w)
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]


def cycle_problems(edges):
    """One problem a strongly connected component: its shortest cycle
    through its first node, then every include inside it."""
    problems = []
    for comp in components(edges):
        cyc = cycle_in(comp, edges)
        text = [f"include cycle among {', '.join(comp)}: "
                + " -> ".join(cyc)]
        members = set(comp)
        for a in comp:
            for b in sorted(edges[a]):
                if b in members:
                    f, n = edges[a][b]
                    text.append(f"  {f}:{n}: {a} -> {b}")
        problems.append("\n".join(text))
    return problems


def check(root):
    paths = sources(root)
    incs_of = {p: includes(root, p) for p in paths}
    problems = []
    for p in paths:
        problems += layer_problems(p, incs_of[p])
    problems += cycle_problems(graph(root, paths, incs_of))
    return paths, problems


def main(argv):
    if len(argv) > 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    if not all(os.path.isdir(os.path.join(root, f)) for f in FOLDERS[:3]):
        print(f"layers: {root} has no core/, auth/ and sip/", file=sys.stderr)
        return 2
    paths, problems = check(root)
    for p in problems:
        print(p)
    n = len(problems)
    print(f"layers: {len(paths)} files, {n} problem{'' if n == 1 else 's'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
