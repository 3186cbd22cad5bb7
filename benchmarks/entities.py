"""The digest's entity lists against the team's gold list (benchmarks/data/entities_gold.jsonl).

    python benchmarks/entities.py [--seeds ../shared/seeds] [--max-entities N]

Gold: per story of examples/ and of the seeds, the people, places and organizations an analyst expects
in the story's list (canonical name, type, the other ways the texts write it). Entries marked optional
(facilities, the coalition, outlets quoted in the text, "the Iraqi government") may be listed or not:
they count as right when listed and are not needed for recall. The outlets' own datelines are not
entities of a story. A listed entity is right when its shown name, normalized, is the gold name or one
of its variants with the same type; each digest story is scored against the gold story sharing most
of its articles. Also counted: listed names that open with a verb or end in a preposition (never
right). Runs the whole digest (``khulasa.pipeline.digest``) with each tagger in one run; CPU seconds
are the digest's (entities, figures, stories; no summaries).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from khulasa.config import DEFAULT
from khulasa.errors import KhulasaError
from khulasa.ingest import read_articles
from khulasa.model import Entity
from khulasa.pipeline import digest
from khulasa.text import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(__file__).with_name("data") / "entities_gold.jsonl"
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
# Written by the team for this check: verbs of news prose (past and present, with و/ف) and prepositions.
VERBS = frozenset(normalize(w) for w in (
    "قال", "أكد", "أعلن", "أضاف", "أشار", "أوضح", "ذكر", "أرسل", "أطلق", "أقر", "وافق", "اتفق", "دعا",
    "بلغ", "يبلغ", "يزن", "تضم", "يضم", "شارك", "يشارك", "استضاف", "يستضيف", "تعقد", "عقد", "يعقد",
    "أفاد", "اجتاحت", "ارتفعت", "نزحت", "دمرت", "بحث", "يبحث", "ترأس", "يترأس", "أصدر", "رحب", "أثنى",
    "أشاد", "شدد", "تابع", "اعترف", "صرح", "يلتقي", "تشارك", "سيبحث", "سيمثل", "يتناول", "تمكنت", "حققوا",
))
PREPOSITIONS = frozenset(normalize(w) for w in (
    "في", "من", "إلى", "على", "عن", "مع", "بين", "حول", "خلال", "بعد", "قبل", "منذ", "عبر", "لدى", "ضد",
    "نحو", "حتى", "عند", "برأس", "بنحو", "وفق",
))


def _strip(word: str) -> str:
    w = normalize(word)
    return w[1:] if w[:1] in "وف" and len(w) > 3 and w[1:] in VERBS else w


def bad_span(name: str) -> bool:
    """True when ``name`` opens with a verb or ends in a preposition."""
    words = name.split()
    return bool(words) and (_strip(words[0]) in VERBS or normalize(words[-1]) in PREPOSITIONS)


def _key(text: str) -> str:
    return " ".join(normalize(text).split())


def load_gold() -> list[dict[str, Any]]:
    """The gold stories (corpus, articles, entities)."""
    return [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]


def score(stories: Iterable[tuple[tuple[str, ...], tuple[Entity, ...]]], gold: list[dict[str, Any]]
          ) -> dict[str, Any]:
    """Precision, recall and the wrong and missed names of digest stories (article ids, entities)."""
    found: dict[int, dict[tuple[str, str], str]] = {}  # gold story -> listed (type, key) -> shown name
    for article_ids, entities in stories:
        overlap = [len(set(article_ids) & set(g["articles"])) for g in gold]
        best = max(range(len(gold)), key=lambda k: overlap[k])
        if overlap[best]:
            for e in entities:
                found.setdefault(best, {})[(e.type, _key(e.name))] = e.name
    listed = right = needed = hit = bad = 0
    wrong: list[str] = []
    missed: list[str] = []
    for k, g in enumerate(gold):
        entries = g["entities"]
        names = {(str(e["type"]), _key(v)): e for e in entries for v in (e["name"], *e.get("variants", ()))}
        mine = found.get(k, {})
        for (kind, key), shown in mine.items():
            listed += 1
            if bad_span(shown):
                bad += 1
            if (kind, key) in names and not bad_span(shown):
                right += 1
            else:
                wrong.append(f"{shown} ({kind})")
        for e in entries:
            if e.get("optional"):
                continue
            needed += 1
            keys = {(str(e["type"]), _key(v)) for v in (e["name"], *e.get("variants", ()))}
            if keys & set(mine):
                hit += 1
            else:
                missed.append(f"{e['name']} ({e['type']})")
    return {"listed": listed, "precision": right / listed if listed else 0.0, "needed": needed,
            "recall": hit / needed if needed else 0.0, "bad_spans": bad, "wrong": wrong, "missed": missed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    ap.add_argument("--max-entities", type=int, default=1000,
                    help="entities kept per story (the page shows facts.max_entities; 1000: all)")
    ap.add_argument("--show", action="store_true", help="print the wrong and missed names")
    args = ap.parse_args()
    gold = load_gold()
    paths = [str(ROOT / "examples")]
    if args.seeds.is_dir():
        paths.append(str(args.seeds))
    else:
        print(f"(the seeds are skipped: {args.seeds} not found; pass --seeds DIR)\n", file=sys.stderr)
        gold = [g for g in gold if g["corpus"] != "seeds"]
    articles = list(read_articles(paths).articles)
    modes = ["fast"]
    try:
        from khulasa.entities import accurate_tagger

        accurate_tagger()
        modes.append("accurate")
    except (ImportError, KhulasaError, OSError) as exc:
        print(f"(the accurate tagger is skipped: {exc})\n")
    print(f"### Entity lists of the digest against the team's gold list ({len(gold)} stories, "
          f"{sum(len(g['entities']) for g in gold)} entities; up to {args.max_entities} per story)")
    print()
    print("| tagger | listed | precision | needed | recall | verb / preposition spans | digest CPU-s |")
    print("|---|---|---|---|---|---|---|")
    details = []
    for mode in modes:
        config = DEFAULT.with_values(facts={"ner": mode, "max_entities": args.max_entities})
        cpu = time.process_time()
        result = digest(articles, config=config, summaries=False)
        cpu = time.process_time() - cpu
        r = score(((d.story.every_article, d.entities) for d in result.stories), gold)
        print(f"| {mode} | {r['listed']} | {100 * r['precision']:.1f} | {r['needed']} | {100 * r['recall']:.1f} | "
              f"{r['bad_spans']} | {cpu:.2f} |")
        details.append((mode, r))
    if args.show:
        for mode, r in details:
            print(f"\n{mode}: wrong: {'، '.join(r['wrong'])}\n{mode}: missed: {'، '.join(r['missed'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
