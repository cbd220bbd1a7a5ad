#!/usr/bin/env python3
"""Pick a small corpus to keep in the repository from a large one a long fuzzing run made.

    fuzz/minimize.py TARGET_BINARY OUT_DIR MAX_FILES IN_DIR...

libFuzzer's own merge keeps every input that adds a feature (hit counts included): hundreds of
files. This keeps at most MAX_FILES, chosen greedily by coverage edges: inputs sorted by the
edges each covers alone, each kept if it adds edges to those kept before. The edges are
libFuzzer's `cov:` count after running a directory with -runs=0 (no fuzzing). Existing files
in OUT_DIR are kept first (seeds and crash inputs stay in the corpus).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

COV = re.compile(rb"INITED cov: (\d+)")


def coverage(binary, files):
    with tempfile.TemporaryDirectory() as d:
        for i, f in enumerate(files):
            shutil.copy(f, os.path.join(d, f"{i:05}"))
        out = subprocess.run(
            [binary, "-runs=0", "-timeout=10", d],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        ).stderr
    m = COV.search(out)
    return int(m.group(1)) if m else 0


def main():
    binary, out_dir, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kept = sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir))
    seen = set()
    candidates = []
    for d in sys.argv[4:]:
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            data = open(p, "rb").read()
            if data in seen or os.path.getsize(p) > 4096:
                continue
            seen.add(data)
            candidates.append(p)
    for f in kept:
        seen.add(open(f, "rb").read())
    print(f"{len(candidates)} candidates; scoring each alone", file=sys.stderr)
    scored = sorted(((coverage(binary, [c]), c) for c in candidates), reverse=True)
    current = coverage(binary, kept) if kept else 0
    print(f"kept already: {len(kept)} files, cov {current}", file=sys.stderr)
    chosen = []
    for alone, c in scored:
        if len(kept) + len(chosen) >= limit:
            break
        if alone <= 0:
            continue
        cov = coverage(binary, kept + chosen + [c])
        if cov > current:
            chosen.append(c)
            current = cov
    for i, c in enumerate(chosen):
        shutil.copy(c, os.path.join(out_dir, f"min-{i:02}"))
    print(f"added {len(chosen)}: {len(kept) + len(chosen)} files, cov {current}", file=sys.stderr)


if __name__ == "__main__":
    main()
