"""Whole-digest speed on the 100 MultiLing 2011 Arabic articles, this checkout beside others, in one run.

    python benchmarks/digest_speed.py [--data ../shared/data] [--repeat 5] [--against DIR ...]

Each ``--against`` is another khulasa checkout (e.g. ``git worktree add /tmp/base <commit>``); it is run
with the same interpreter and packages, only its ``khulasa`` package swapped in (``PYTHONPATH``). Every
checkout runs in its own fresh process, in turns (A B A B ...), so a noisy machine slows each about
equally. Timed: ``digest(articles)`` from cleaned articles (reading and cleaning excluded; imports and
the model load are warmed up first), CPU seconds of the process (``time.process_time``) beside wall
seconds; the best of ``--repeat`` runs is reported, and the per-stage CPU split of the last run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HERE = Path(__file__).resolve().parents[1]

# Runs inside the child process: read the articles, warm up, time the digest, print one JSON line.
_CHILD = r"""
import json, sys, time
from khulasa.ingest import read_articles
from khulasa import digest
folder = sys.argv[1]
batch = read_articles([folder])
arts = list(batch.articles)
digest(arts[:3])  # warm-up: imports, the tagger model, stopword lists
stages = {}
last = [time.process_time(), None]
def on_stage(stage, done, total):
    now = time.process_time()
    if last[1] is not None:
        stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
    last[0], last[1] = now, stage
cpu, wall = time.process_time(), time.perf_counter()
result = digest(arts, on_stage=on_stage)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
if last[1] is not None:
    stages[last[1]] = stages.get(last[1], 0.0) + time.process_time() - last[0]
print(json.dumps({"cpu": cpu, "wall": wall, "articles": len(arts), "stories": len(result.stories),
                  "stages": stages}))
"""


def _write_articles(data: Path, folder: Path) -> int:
    n = 0
    for line in (data / "multiling2011_ar_mds.jsonl").read_text(encoding="utf-8").splitlines():
        topic = json.loads(line)
        for i, doc in enumerate(topic["documents"]):
            (folder / f"{topic['id']}_{i:02d}.txt").write_text(doc, encoding="utf-8")
            n += 1
    return n


def _run(checkout: Path, folder: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], env=env, capture_output=True, text=True,
                         check=True, cwd=checkout)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--against", type=Path, action="append", default=[], help="Another khulasa checkout.")
    args = ap.parse_args()
    if not (args.data / "multiling2011_ar_mds.jsonl").exists():
        print(f"{args.data}/multiling2011_ar_mds.jsonl is missing: put ../shared beside the repository",
              file=sys.stderr)
        return 2
    checkouts = {"this checkout": HERE, **{str(p): p.resolve() for p in args.against}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = _write_articles(args.data, folder)
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in checkouts}
        for _ in range(args.repeat):
            for name, path in checkouts.items():
                runs[name].append(_run(path, folder))
    print(f"digest of {n} MultiLing 2011 Arabic articles, best of {args.repeat} (CPU s / wall s)\n")
    print("| checkout | CPU s | wall s | articles per CPU-second | stories | CPU by stage (last run) |")
    print("|---|---|---|---|---|---|")
    best = {k: min(v, key=lambda r: r["cpu"]) for k, v in runs.items()}
    for name, r in best.items():
        stages = ", ".join(f"{k} {v:.2f}" for k, v in runs[name][-1]["stages"].items())  # type: ignore[attr-defined]
        print(f"| {name} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['articles'] / r['cpu']:.0f} | {r['stories']:.0f} "
              f"| {stages} |")
    here = best["this checkout"]["cpu"]
    for name, r in best.items():
        if name != "this checkout":
            print(f"\nthis checkout is {r['cpu'] / here:.2f}x faster in CPU time than {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
