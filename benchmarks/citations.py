"""Citation alignment: does khulasa cite the articles that report a sentence, and only those?

    python benchmarks/citations.py

Gold: ``benchmarks/data/citations_gold.jsonl``, written by the team for the three stories of
``examples/`` (invented articles): each fact of a story and the sentences (article, index) that state
it. For every annotated sentence, the articles that state one of its facts should be cited, and no
other. Reported per story and overall: citation precision and recall, for khulasa's default and for
looser / stricter similarity thresholds (``SummaryConfig.cite_threshold``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from khulasa.config import SummaryConfig
from khulasa.ingest import read_articles
from khulasa.model import Article
from khulasa.summary import DEFAULT_CONFIG, cite_all

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "data" / "citations_gold.jsonl"


def score(articles: Sequence[Article], facts: dict[str, list[list[object]]], config: SummaryConfig) -> tuple[int, int, int, int]:
    """(correct citations, citations, relevant articles cited, relevant articles) over annotated sentences."""
    of: dict[tuple[str, int], set[str]] = {}
    for fact, where in facts.items():
        for aid, idx in where:
            of.setdefault((str(aid), int(str(idx))), set()).add(fact)
    correct = total = found = relevant = 0
    for s in cite_all(articles, config=config):
        mine = of.get((s.sentence.article_id, s.sentence.index))
        if not mine:
            continue
        supporters = {aid for (aid, _), fs in of.items() if fs & mine and aid != s.sentence.article_id}
        cited = {c.article_id for c in s.citations[1:]}
        for c in s.citations[1:]:
            total += 1
            correct += bool(of.get((c.article_id, c.sentence_index), set()) & mine)
        found += len(cited & supporters)
        relevant += len(supporters)
    return correct, total, found, relevant


def main() -> int:
    gold = [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    batch = read_articles([str(ROOT / "examples")])
    by_id = {a.id: a for a in batch.articles}
    variants = [("khulasa (default)", DEFAULT_CONFIG)] + [
        (f"cite_threshold {t}", replace(DEFAULT_CONFIG, cite_threshold=t)) for t in (0.15, 0.25, 0.3)]
    print("| system | story | precision | recall | citations |")
    print("|---|---|---|---|---|")
    for name, config in variants:
        sums = [0, 0, 0, 0]
        for story in gold:
            ids = sorted({str(aid) for where in story["facts"].values() for aid, _ in where})
            res = score([by_id[i] for i in ids], story["facts"], config)
            sums = [a + b for a, b in zip(sums, res, strict=True)]
            c, t, f, r = res
            print(f"| {name} | {story['story']} | {c / max(1, t):.3f} | {f / max(1, r):.3f} | {t} |")
        c, t, f, r = sums
        print(f"| {name} | **all** | **{c / max(1, t):.3f}** | **{f / max(1, r):.3f}** | {t} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
