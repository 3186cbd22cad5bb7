"""Single-document summarization: the ANT 2018 BBC Arabic articles with the outlet's own teaser.

2,135 BBC articles of ``../shared/data/ant2018_news.jsonl.gz`` carry ``abstract``: a teaser of about 22
words written by the outlet, independently of the text (abstractive). Every row is scored in the same
run against it, budget = the teaser's length in words (R1/R2 F x100, ``rouge.py``, as
``../shared/data/README.md`` ran it), with the 95% bootstrap interval of the mean and of the difference
to lead (paired, 1,000 resamples):

- khulasa: ``summarize([article], max_words=budget)`` (never over the budget);
- khulasa, cut: ``summarize`` with twice the budget, cut at the budget as lead is;
- lead: the first sentences of khulasa's cleaned article until the budget (the last one cut);
- sumy LexRank / TextRank on a sample (``--sumy N``, they are slow), given khulasa's sentences.

Seconds per article (in-process, after a warm-up) for khulasa. Nothing here is tuned on these teasers.

    python benchmarks/teasers.py [--limit N] [--sumy 300] [--json benchmarks/teasers.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rouge import rouge

from khulasa.ingest.clean import clean_document
from khulasa.model import Article, RawDocument
from khulasa.summary import summarize
from khulasa.text import analyse

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def teasers(data: Path = DATA) -> list[tuple[Article, str]]:
    """The BBC articles with a teaser, cleaned as ingestion would (title and date from the record)."""
    out = []
    with gzip.open(data / "ant2018_news.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("abstract"):
                doc = RawDocument(id=str(r["id"]), path=str(r.get("path") or r["id"]), text=r["text"],
                                  title=r.get("title") or "")
                out.append((clean_document(doc), str(r["abstract"])))
    return out


def lead(article: Article, budget: int) -> str:
    out: list[str] = []
    n = 0
    for s in analyse(article).sentences:
        if n >= budget:
            break
        out.append(s.text)
        n += len(s.text.split())
    return " ".join(out)


def khulasa(article: Article, budget: int) -> str:
    return summarize([article], max_words=budget).text()


def khulasa_cut(article: Article, budget: int) -> str:
    return summarize([article], max_words=2 * budget).text()


def _sumy(kind: str) -> Callable[[Article, int], str]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    class _Tok:
        def to_sentences(self, text: str) -> list[str]:
            return text.split("\n")

        def to_words(self, sentence: str) -> list[str]:
            return sentence.split()

    summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(Stemmer("arabic"))

    def run(article: Article, budget: int) -> str:
        sents = [s.text for s in analyse(article).sentences]
        doc = PlaintextParser.from_string("\n".join(sents), _Tok()).document
        ranked = [str(s) for s in summarizer(doc, len(sents))]
        out, n = [], 0
        for s in ranked:
            if n >= budget:
                break
            out.append(s)
            n += len(s.split())
        order = {s: i for i, s in enumerate(sents)}
        return " ".join(sorted(out, key=lambda s: order.get(s, 0)))

    return run


def _interval(values: Sequence[float], rnd: random.Random) -> tuple[float, float, float]:
    n = len(values)
    means = sorted(statistics.fmean(rnd.choices(values, k=n)) for _ in range(1000))
    return statistics.fmean(values), means[25], means[974]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--sumy", type=int, default=300, help="articles scored by sumy (a sample; 0: none)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if not (args.data / "ant2018_news.jsonl.gz").is_file():
        print(f"the ANT corpus is not at {args.data} (put ../shared beside the repository)", file=sys.stderr)
        return 2
    pairs = teasers(args.data)[:args.limit]
    systems: dict[str, Callable[[Article, int], str]] = {"lead": lead, "khulasa": khulasa, "khulasa, cut": khulasa_cut}
    scores: dict[str, dict[str, list[float]]] = {name: {"R1": [], "R2": []} for name in systems}
    seconds: list[float] = []
    khulasa(pairs[0][0], 22)  # warm-up
    for article, teaser in pairs:
        budget = len(teaser.split())
        for name, fn in systems.items():
            start = time.perf_counter()
            peer = fn(article, budget)
            if name == "khulasa":
                seconds.append(time.perf_counter() - start)
            got = rouge(peer, [teaser], max_words=budget, measures=("R1", "R2"))
            scores[name]["R1"].append(got["R1"])
            scores[name]["R2"].append(got["R2"])
    sample = pairs[:args.sumy]
    for kind in ("lexrank", "textrank") if args.sumy else ():
        fn = _sumy(kind)
        name = f"sumy {kind} (first {len(sample)})"
        scores[name] = {"R1": [], "R2": []}
        for article, teaser in sample:
            budget = len(teaser.split())
            got = rouge(fn(article, budget), [teaser], max_words=budget, measures=("R1", "R2"))
            scores[name]["R1"].append(got["R1"])
            scores[name]["R2"].append(got["R2"])
    rnd = random.Random(0)
    rows = []
    print(f"{len(pairs)} articles; budget = teaser length (mean {statistics.fmean(len(t.split()) for _, t in pairs):.1f} words)")
    print("| system | R1 | R2 (95% interval) | R2 minus lead (95% interval, paired) |")
    print("|---|---|---|---|")
    for name, s in scores.items():
        r2, lo, hi = _interval(s["R2"], rnd)
        n = len(s["R2"])
        diff = [a - b for a, b in zip(s["R2"], scores["lead"]["R2"][:n], strict=True)]
        d, dlo, dhi = _interval(diff, rnd)
        rows.append({"system": name, "n": n, "R1": statistics.fmean(s["R1"]), "R2": r2, "R2_interval": [lo, hi],
                     "R2_minus_lead": d, "R2_minus_lead_interval": [dlo, dhi]})
        print(f"| {name} | {statistics.fmean(s['R1']):.1f} | {r2:.1f} ({lo:.1f}–{hi:.1f}) | "
              f"{d:+.1f} ({dlo:+.1f} to {dhi:+.1f}) |")
    print(f"khulasa: {1000 * statistics.median(seconds):.1f} ms per article (median, in-process, after a warm-up)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "ms_per_article": 1000 * statistics.median(seconds)},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
