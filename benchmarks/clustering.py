"""Story clustering benchmark: MultiLing 2011 articles shuffled together must come back as their topics.

    python benchmarks/clustering.py [--data ../shared/data] [--seeds ../shared/seeds]

Prints ARI and B-cubed precision/recall/F1 for Arabic and English (100 articles, 10 topics each),
then the stories and events found for the seeds mixed with examples/ (the seeds should be one story
with two events: London, January 2015 and Washington, July 2016).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from khulasa.ingest import read_articles
from khulasa.ingest.clean import clean_document
from khulasa.model import Article, RawDocument
from khulasa.stories import cluster

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"


def bcubed(truth: list[str], pred: list[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a predicted clustering against the truth."""
    by_true: dict[str, set[int]] = defaultdict(set)
    by_pred: dict[str, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        by_true[t].add(i)
        by_pred[p].add(i)
    n = len(truth)
    precision = sum(len(by_pred[pred[i]] & by_true[truth[i]]) / len(by_pred[pred[i]]) for i in range(n)) / n
    recall = sum(len(by_pred[pred[i]] & by_true[truth[i]]) / len(by_true[truth[i]]) for i in range(n)) / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def multiling(path: Path) -> tuple[list[Article], list[str]]:
    articles: list[Article] = []
    truth: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        topic = json.loads(line)
        for i, doc in enumerate(topic["documents"]):
            articles.append(clean_document(RawDocument(id=f"{topic['id']}-{i}", path=topic["id"], text=doc)))
            truth.append(topic["id"])
    return articles, truth


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    args = ap.parse_args()
    print("| data | articles | topics | stories found | ARI | B3 precision | B3 recall | B3 F1 | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for lang in ("ar", "en"):
        path = args.data / f"multiling2011_{lang}_mds.jsonl"
        if not path.exists():
            print(f"skipped: {path} not found", file=sys.stderr)
            continue
        articles, truth = multiling(path)
        order = list(range(len(articles)))
        random.Random(0).shuffle(order)
        start = time.perf_counter()
        stories = cluster([articles[i] for i in order])
        elapsed = time.perf_counter() - start
        label = {m: s.id for s in stories for m in s.article_ids}
        label.update({m: s.id for s in stories for g in s.duplicates for m in g.members})
        pred = [label[a.id] for a in articles]
        p, r, f = bcubed(truth, pred)
        print(f"| MultiLing {lang} | {len(articles)} | {len(set(truth))} | {len(stories)} | "
              f"{adjusted_rand_score(truth, pred):.3f} | {p:.3f} | {r:.3f} | {f:.3f} | {elapsed:.2f} |")
    if args.seeds.is_dir():
        for title, paths in (("Seeds alone", [str(args.seeds)]),
                             ("Seeds mixed with examples/", [str(args.seeds), str(ROOT / "examples")])):
            batch = read_articles(paths)
            print(f"\n{title}:")
            for story in cluster(list(batch.articles)):
                print(f"- {story.id} {story.headline}")
                for event in story.events:
                    print(f"  - {event.first}..{event.last} ({event.confidence}) {', '.join(event.article_ids)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
