"""Story clustering benchmark: MultiLing 2011 articles shuffled together must come back as their topics.

    python benchmarks/clustering.py [--data ../shared/data] [--seeds ../shared/seeds]

Prints ARI and B-cubed precision/recall/F1 for Arabic and English (100 articles, 10 topics each),
then the stories and events found for the seeds mixed with examples/ (the seeds should be one story
with two events: London, January 2015 and Washington, July 2016).

Real stories (issue 22): the 1,188 ANT articles of 2018-04-01..07 (``../shared/data/ant2018_news.jsonl.gz``)
against the team's gold standard ``benchmarks/data/ant_week_stories.jsonl`` (guidelines beside it): story
and event B-cubed for every clustering mode of ``ClusterConfig`` in the same run, then the largest stories
of the week with their outlets (``--show N``).

    python benchmarks/clustering.py --ant-only --show 15
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from khulasa.config import ClusterConfig
from khulasa.ingest import read_articles
from khulasa.ingest.clean import clean_document
from khulasa.model import Article, RawDocument, Story
from khulasa.stories import cluster

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
GOLD = ROOT / "benchmarks" / "data" / "ant_week_stories.jsonl"
PASS2 = ROOT / "benchmarks" / "data" / "ant_week_pass2.jsonl"


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


def ant_week(data: Path, gold: Path = GOLD) -> tuple[list[Article], dict[str, dict[str, str]]]:
    """The ANT articles the gold standard labels, cleaned as ingestion would, and the gold rows by id."""
    rows = {r["id"]: r for r in map(json.loads, gold.read_text(encoding="utf-8").splitlines())}
    articles: list[Article] = []
    with gzip.open(data / "ant2018_news.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["id"] not in rows:
                continue
            doc = RawDocument(id=r["id"], path=str(r.get("path") or r["id"]), text=r["text"], title=r.get("title") or "",
                              date=dt.date.fromisoformat(r["date"][:10]), outlet=r["outlet"], url=r.get("url") or "",
                              group=r["outlet_code"])
            articles.append(clean_document(doc))
    return articles, rows


def labels(stories: tuple[Story, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Each article's story id and event id (a folded copy takes its representative's)."""
    story: dict[str, str] = {}
    event: dict[str, str] = {}
    for s in stories:
        copies = {g.representative: g.members for g in s.duplicates}
        for e in s.events:
            for m in e.article_ids:
                for a in (m, *copies.get(m, ())):
                    story[a], event[a] = s.id, e.id
    return story, event


def ant(data: Path, show: int) -> None:
    """Story and event B-cubed on the ANT week for each clustering mode, in one run; the largest stories."""
    if not GOLD.is_file() or not (data / "ant2018_news.jsonl.gz").is_file():
        print(f"skipped ANT: {GOLD} or {data / 'ant2018_news.jsonl.gz'} not found", file=sys.stderr)
        return
    articles, gold = ant_week(data)
    ids = [a.id for a in articles]
    truth_story = [gold[i]["story"] for i in ids]
    truth_event = [gold[i]["event"] for i in ids]
    print(f"\nANT 2018-04-01..07: {len(ids)} articles, {len(set(truth_story))} gold stories, "
          f"{len(set(truth_event))} gold events\n")
    print("| clustering | stories | story B3 P | story B3 R | story B3 F1 | event B3 P | event B3 R | event B3 F1 | "
          "ARI | seconds | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    last: tuple[Story, ...] = ()
    half = [int(hashlib.md5(t.encode()).hexdigest(), 16) % 2 for t in truth_story]
    split = [[k for k, h in enumerate(half) if h == 0], [k for k, h in enumerate(half) if h == 1]]
    halves: list[tuple[str, list[tuple[float, float]]]] = []
    for name, cfg in modes():
        start, cpu = time.perf_counter(), time.process_time()
        stories = cluster(articles, cfg)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        story, event = labels(stories)
        sp, sr, sf = bcubed(truth_story, [story[i] for i in ids])
        ep, er, ef = bcubed(truth_event, [event[i] for i in ids])
        ari = adjusted_rand_score(truth_story, [story[i] for i in ids])
        print(f"| {name} | {len(stories)} | {sp:.3f} | {sr:.3f} | {sf:.3f} | {ep:.3f} | {er:.3f} | {ef:.3f} | "
              f"{ari:.3f} | {wall:.1f} | {cpu:.1f} |")
        halves.append((name, [(bcubed([truth_story[k] for k in part], [story[ids[k]] for k in part])[2],
                               bcubed([truth_event[k] for k in part], [event[ids[k]] for k in part])[2])
                              for part in split]))
        last = stories
    print("\nThe same, scored on each half of the gold stories (md5 of the story label, even = dev: settings were "
          "chosen on it; odd = test):\n")
    print("| clustering | dev story F1 | dev event F1 | test story F1 | test event F1 |")
    print("|---|---|---|---|---|")
    for name, ((ds, de), (ts, te)) in halves:
        print(f"| {name} | {ds:.3f} | {de:.3f} | {ts:.3f} | {te:.3f} |")
    if PASS2.is_file():
        second = {r["id"]: r["story"] for r in map(json.loads, PASS2.read_text(encoding="utf-8").splitlines())}
        sample = sorted(second)
        p, r, f = bcubed([gold[i]["story"] for i in sample], [second[i] for i in sample])
        ari = adjusted_rand_score([gold[i]["story"] for i in sample], [second[i] for i in sample])
        print(f"\nAnnotator agreement (pass 1 vs pass 2, {len(sample)} articles): B3 P {p:.3f} R {r:.3f} F1 {f:.3f}, "
              f"ARI {ari:.3f}")
    if show:
        print(f"\nLargest stories ({modes()[-1][0]}):\n")
        for s in last[:show]:
            members = labels((s,))[0]
            outlets = sorted({gold[m]['outlet'] for m in members})
            golds = Counter(gold[m]["story"] for m in members)
            print(f"- {len(members)} articles, {len(s.events)} events, {', '.join(outlets)}: {s.headline}")
            print(f"  gold: {', '.join(f'{k} {v}' for k, v in golds.most_common(4))}")


def modes() -> list[tuple[str, ClusterConfig]]:
    """The clustering modes compared on the ANT week: the settings before issue 22 (no margin, events three
    days wide), then today's default (last: its stories are listed)."""
    before = ClusterConfig(merge_margin=1.0, merge_near_factor=0.5, event_days=3)
    return [("before issue 22 (margin 1.0, event days 3)", before), ("default", ClusterConfig())]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    ap.add_argument("--ant-only", action="store_true", help="only the ANT week")
    ap.add_argument("--show", type=int, default=12, help="largest ANT stories to list")
    args = ap.parse_args()
    if args.ant_only:
        ant(args.data, args.show)
        return 0
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
    ant(args.data, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
