"""Scale of dedupe + story clustering on a synthetic Arabic archive with known stories and duplicates.

    python benchmarks/scale.py [--sizes 10000 100000] [--data ../shared/data] [--whole]

The archive is built from the Arabic sentences of NewsFANE and MultiLing (../shared/data): each
story gets its own lead sentences and a signature vocabulary; each article mixes the story's lead,
sentences carrying the story's words, and background sentences from the whole pool. 5% of the
articles are near-duplicates of another (a sentence dropped, a few words changed). Every size runs in
its own process so peak memory (max RSS) is per size. Reported: the analysis (once, shared by both
stages, as the pipeline does), then articles per second for dedupe + clustering (ingestion and analysis
excluded), B-cubed F1 against the known stories, precision/recall of the
injected duplicates, peak memory. ``--whole``: instead, the whole job in-process (``khulasa.digest`` and its
JSON document, from the cleaned articles) and the entity tagger alone, in CPU seconds and articles per
CPU-second, with the CPU growth between sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from khulasa.model import Article

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _pool(data: Path) -> list[str]:
    sentences: list[str] = []
    for line in (data / "newsfane_train.jsonl").read_text(encoding="utf-8").splitlines():
        tokens = json.loads(line)["tokens"]
        if len(tokens) >= 8:
            sentences.append(" ".join(tokens))
    for line in (data / "multiling2011_ar_mds.jsonl").read_text(encoding="utf-8").splitlines():
        for doc in json.loads(line)["documents"]:
            sentences.extend(s.strip() + "." for s in doc.replace("\n", " ").split(".") if len(s.split()) >= 8)
    return sentences


@dataclass(frozen=True)
class _Story:
    lead: list[str]
    words: list[str]
    date: dt.date


def build(n: int, data: Path, seed: int = 0, unique_leads: bool = True) -> tuple[list[Article], dict[str, int],
                                                                                set[frozenset[str]]]:
    """``n`` synthetic articles, their story labels, and the injected duplicate pairs.

    With ``unique_leads`` (the default) each story's lead sentences are its own; without it, stories
    draw their leads from the shared pool, so at large sizes distinct stories share whole sentences
    (the first version of this benchmark).
    """
    rnd = random.Random(seed)
    pool = _pool(data)
    vocab = sorted({w for s in pool for w in s.split() if len(w) > 3 and w.isalpha()})
    n_stories = max(1, n // 10)
    stories: list[_Story] = []
    base = dt.date(2020, 1, 1)
    for _ in range(n_stories):
        words = rnd.sample(vocab, 14)
        leads = rnd.sample(pool, 2)
        if unique_leads:  # a lead of its own: the pool sentence with the story's words woven in
            leads = [" ".join(w if k % 3 else rnd.choice(words) for k, w in enumerate(lead.split())) for lead in leads]
        stories.append(_Story(leads, words, base + dt.timedelta(days=rnd.randrange(1500))))
    articles: list[Article] = []
    labels: dict[str, int] = {}
    dup_pairs: set[frozenset[str]] = set()
    n_dups = n // 20
    for i in range(n - n_dups):
        k = rnd.randrange(n_stories)
        st = stories[k]
        words = st.words
        signature = [" ".join(rnd.sample(words, 6)) + " " + " ".join(rnd.sample(vocab, 4)) + "." for _ in range(3)]
        body = [*st.lead, *signature, *rnd.sample(pool, 4)]
        rnd.shuffle(body)
        aid = f"a{i}"
        articles.append(Article(id=aid, text="\n".join(body), title=" ".join(rnd.sample(words, 5)),
                                date=st.date + dt.timedelta(days=rnd.randrange(3)), content_hash=f"{i:08d}"))
        labels[aid] = k
    for j in range(n_dups):
        src = articles[rnd.randrange(len(articles))]
        lines = src.text.split("\n")
        lines.pop(rnd.randrange(len(lines)))
        words = "\n".join(lines).split(" ")
        for _ in range(3):
            words[rnd.randrange(len(words))] = rnd.choice(vocab)
        aid = f"d{j}"
        articles.append(Article(id=aid, text=" ".join(words), title=src.title, date=src.date, content_hash=f"d{j:07d}"))
        labels[aid] = labels[src.id]
        dup_pairs.add(frozenset((aid, src.id)))
    return articles, labels, dup_pairs


def run_one(n: int, data: Path, unique_leads: bool = True) -> dict[str, float]:
    from clustering import bcubed

    from khulasa.dedupe import find_duplicates
    from khulasa.stories import StoryIndex
    from khulasa.text import analyse_all

    articles, labels, dup_pairs = build(n, data, unique_leads=unique_leads)
    start = time.perf_counter()
    analyses = analyse_all(articles)  # once, as the pipeline does: both stages read it
    t_analysis = time.perf_counter() - start
    start = time.perf_counter()
    groups = find_duplicates(analyses)
    t_dedupe = time.perf_counter() - start
    dropped = {m for g in groups for m in g.members[1:]}
    index = StoryIndex()
    index.update(a for a in analyses if a.id not in dropped)
    stories = index.stories(groups)
    elapsed = time.perf_counter() - start
    found = {frozenset(p) for g in groups for p in ((g.members[0], m) for m in g.members[1:])}
    # a found pair counts when both articles are in the same injected family
    family = {}
    for pair in dup_pairs:
        a, b = sorted(pair, key=lambda x: (x[0] == "d", int(x[1:])))  # the copy is the later "d" id
        family[b] = a
    def root(x: str) -> str:
        while x in family:
            x = family[x]
        return x
    tp = sum(1 for p in found if len({root(x) for x in p}) == 1)
    injected = {m for p in dup_pairs for m in p if m.startswith("d")}
    caught = {m for g in groups for m in g.members if m in injected and len(g.members) > 1}
    pred = {m: s.id for s in stories for m in s.article_ids}
    pred.update({m: s.id for s in stories for g in s.duplicates for m in g.members})
    ids = [a.id for a in articles]
    _, _, f1 = bcubed([str(labels[i]) for i in ids], [pred[i] for i in ids])
    return {
        "articles": n, "seconds": elapsed, "dedupe_seconds": t_dedupe, "per_second": n / elapsed,
        "analysis_seconds": t_analysis,
        "stories_true": len(set(labels.values())), "stories_found": len(stories), "bcubed_f1": f1,
        "dup_precision": tp / len(found) if found else 1.0, "dup_recall": len(caught) / len(injected) if injected else 1.0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_whole(n: int, data: Path) -> dict[str, float]:
    """The whole job on the archive, in-process (``khulasa.digest`` from the cleaned articles and its JSON
    document: analysis, dedupe, stories, summaries, entities, figures), and the entity tagger alone over
    every article's analysis; CPU seconds, and articles per CPU-second."""
    from khulasa.entities import mentions_each
    from khulasa.output.json import digest_document
    from khulasa.pipeline import digest
    from khulasa.text import analyse_all

    articles, _, _ = build(n, data)
    wall, cpu = time.perf_counter(), time.process_time()
    result = digest(articles)
    digest_document(result)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    analyses = analyse_all(articles)
    tag_cpu = time.process_time()
    mentions_each(analyses)
    tag_cpu = time.process_time() - tag_cpu
    return {"articles": n, "whole_seconds": wall, "whole_cpu": cpu, "whole_per_cpu_second": n / cpu,
            "stories": len(result.stories), "tagger_cpu": tag_cpu, "tagger_per_cpu_second": n / tag_cpu,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--whole", action="store_true",
                    help="the whole job (khulasa.digest and its JSON) and the entity tagger, per CPU-second")
    ap.add_argument("--shared-leads", action="store_true",
                    help="draw story leads from the shared pool (the first version of the archive)")
    args = ap.parse_args()
    if not (args.data / "newsfane_train.jsonl").exists():
        print(f"skipped: the shared data is not under {args.data} (pass --data DIR)", file=sys.stderr)
        return 0
    if args.one:
        print(json.dumps(run_whole(args.one, args.data) if args.whole else
                         run_one(args.one, args.data, unique_leads=not args.shared_leads)))
        return 0
    if args.whole:
        return _whole(args)
    rows = _each_size(args, ["--shared-leads"] if args.shared_leads else [])
    print("| articles | analysis s | seconds | articles/s | dedupe s | stories (true/found) | B3 F1 | dup precision | "
          "dup recall | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['articles']} | {r['analysis_seconds']:.1f} | {r['seconds']:.1f} | {r['per_second']:.0f} | "
              f"{r['dedupe_seconds']:.1f} | "
              f"{r['stories_true']}/{r['stories_found']} | {r['bcubed_f1']:.3f} | {r['dup_precision']:.3f} | "
              f"{r['dup_recall']:.3f} | {r['peak_mb']:.0f} |")
    if len(rows) >= 2:
        print(f"\ntime growth {rows[0]['articles']} -> {rows[-1]['articles']}: {rows[-1]['seconds'] / rows[0]['seconds']:.1f}x")
    return 0



def _each_size(args: argparse.Namespace, extra: list[str]) -> list[dict[str, float]]:
    """Each size of ``args.sizes`` run in its own process (peak memory per size): its result row."""
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--data", str(args.data), *extra],
                             check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def _whole(args: argparse.Namespace) -> int:
    rows = _each_size(args, ["--whole"])
    print("| articles | whole job s | CPU s | articles per CPU-s | stories | tagger CPU s | tagger articles per CPU-s "
          "| peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['articles']} | {r['whole_seconds']:.1f} | {r['whole_cpu']:.1f} | {r['whole_per_cpu_second']:.0f} | "
              f"{r['stories']} | {r['tagger_cpu']:.1f} | {r['tagger_per_cpu_second']:.0f} | {r['peak_mb']:.0f} |")
    if len(rows) >= 2:
        print(f"\nCPU growth {rows[0]['articles']} -> {rows[-1]['articles']}: {rows[-1]['whole_cpu'] / rows[0]['whole_cpu']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())

