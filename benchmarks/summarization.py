"""Summarization benchmark: MultiLing 2011 (Arabic and English), every row scored in the same run.

Rows: khulasa; lead (first sentences of each article in turn, over khulasa's cleaning); lead over the
raw text, as ../shared/data/README.md ran it (the first "sentences" are headlines and date lines); lead
over the documents in 10 shuffled orders (mean), which shows how much lead owes to the order of the files;
sumy LexRank and TextRank given khulasa's sentence splitter and tokenizer (so they see correct Arabic
sentences) and sumy's own Snowball stemmer, as ../shared/data/README.md ran them, and LexRank again
with PyStemmer's C Snowball (faster: the stricter speed comparison); the official 2011 runs ID1..ID10;
a greedy extractive oracle. Scores: R1, R2, RL, SU4 F (x100, see rouge.py), 250-word budget; seconds per topic
for every system that runs here (per topic the fastest of --repeat runs, default 3; the median of the
topics; after one warm-up topic).

    python benchmarks/summarization.py [--data ../shared/data] [--json benchmarks/summarization.json]

Needs the bench extra (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rouge import rouge, tokens

from khulasa.ingest.clean import clean_document
from khulasa.model import Article, RawDocument
from khulasa.summary import summarize
from khulasa.text import sentences, split_sentences, stopwords

BUDGET = 250
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

System = Callable[[list[str], str], str]


def _articles(docs: list[str]) -> list[Article]:
    return [clean_document(RawDocument(id=f"d{i}", path=f"d{i}", text=d)) for i, d in enumerate(docs)]


def run_khulasa(docs: list[str], language: str) -> str:
    return summarize(docs, max_words=BUDGET, language=language).text()


def run_lead(docs: list[str], language: str) -> str:
    return _lead([[s.text for s in sentences(a)] for a in _articles(docs)])


def _lead(per_doc: list[list[str]]) -> str:
    """The first sentence of each document in turn, then the second of each, ... until the budget is
    reached (the last one may go over; ROUGE cuts at the budget)."""
    out: list[str] = []
    used, depth = 0, 0
    while used < BUDGET and any(depth < len(d) for d in per_doc):
        for d in per_doc:
            if depth < len(d) and used < BUDGET:
                out.append(d[depth])
                used += len(d[depth].split())
        depth += 1
    return "\n".join(out)


_RAW_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")


def run_lead_raw(docs: list[str], language: str) -> str:
    """Lead as ../shared/data/README.md ran it: the raw text cut at line breaks and at a terminator before
    a space, so an article's "first sentences" are its headline and its date line (37.5 / 20.8 there)."""
    return _lead([[p.strip() for p in _RAW_SENTENCE_END.split(d) if p.strip()] for d in docs])


def run_lead_shuffled(docs: list[str], language: str) -> list[str]:
    """Lead over the documents in ``SHUFFLES`` seeded random orders (one summary per order)."""
    out = []
    for seed in range(SHUFFLES):
        order = list(docs)
        random.Random(seed).shuffle(order)
        out.append(run_lead(order, language))
    return out


SHUFFLES = 10


def _sumy(kind: str, c_stemmer: bool = False) -> System:
    """sumy's LexRank or TextRank over khulasa's cleaning, sentence splitter and tokenizer, with sumy's
    own Snowball stemmer (nltk, as ../shared/data/README.md ran it) or, with ``c_stemmer``, PyStemmer's
    (the same algorithm in C: sumy runs faster, the stricter comparison for speed)."""
    from sumy.nlp.stemmers import Stemmer as SumyStemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    from khulasa.text import _stemmer, tokenize

    class Tok:
        """sumy tokenizer protocol over khulasa's splitter and tokenizer."""

        def to_sentences(self, paragraph: str) -> list[str]:

            return [s.text for s in split_sentences(paragraph)]

        def to_words(self, sentence: str) -> list[str]:
            return tokenize(sentence)

    def run(docs: list[str], language: str) -> str:
        text = "\n\n".join(a.text for a in _articles(docs))
        parser = PlaintextParser.from_string(text, Tok())
        stem = _stemmer(language).stemWord if c_stemmer else SumyStemmer({"ar": "arabic"}.get(language, "english"))
        summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(stem)
        summarizer.stop_words = stopwords(language)
        captured: dict[str, object] = {}

        def capture(sents, count, rating, *args, **kwargs):  # type: ignore[no-untyped-def]
            captured["sents"], captured["rating"] = sents, rating
            return sents

        summarizer._get_best_sentences = capture
        summarizer(parser.document, 1)
        sents = list(captured["sents"])  # type: ignore[call-overload]
        rating = captured["rating"]
        order = sorted(range(len(sents)), key=lambda i: -rating[sents[i]])  # type: ignore[index]
        picked, used = [], 0
        for i in order:
            n = len(str(sents[i]).split())
            if used + n <= BUDGET:
                picked.append(i)
                used += n
        return "\n".join(str(sents[i]) for i in sorted(picked))

    return run


def run_oracle(docs: list[str], refs: list[str]) -> str:
    """Greedy extractive oracle: add the sentence that most raises R1+R2 against the references."""
    cands = [s.text for a in _articles(docs) for s in sentences(a)]
    chosen: list[str] = []
    best_score, used = 0.0, 0
    while True:
        best = None
        for c in cands:
            if c in chosen or used + len(c.split()) > BUDGET:
                continue
            r = rouge("\n".join([*chosen, c]), refs, BUDGET, measures=("R1", "R2"))
            score = r["R1"] + r["R2"]
            if score > best_score + 1e-9:
                best_score, best = score, c
        if best is None:
            return "\n".join(chosen)
        chosen.append(best)
        used += len(best.split())


def bench(path: Path, language: str, repeat: int = 3) -> tuple[dict[str, dict[str, float]], dict[str, list[dict[str, float]]]]:
    topics = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    systems: dict[str, System] = {"khulasa": run_khulasa, "lead": run_lead, "lead, raw text": run_lead_raw}
    try:
        systems["sumy LexRank"] = _sumy("lexrank")
        systems["sumy LexRank, C stemmer"] = _sumy("lexrank", c_stemmer=True)
        systems["sumy TextRank"] = _sumy("textrank")
    except ImportError:
        print("sumy is not installed: pip install -e '.[bench]' to add its rows", file=sys.stderr)
    per_topic: dict[str, list[dict[str, float]]] = {}
    timings: dict[str, list[float]] = {}
    for name, system in systems.items():
        system(topics[0]["documents"], language)  # warm-up
        for t in topics:
            runs = []
            for _ in range(repeat):  # the fastest of `repeat` runs: the least disturbed by the machine
                start = time.perf_counter()
                out = system(t["documents"], language)
                runs.append(time.perf_counter() - start)
            timings.setdefault(name, []).append(min(runs))
            per_topic.setdefault(name, []).append({"topic": t["id"], **rouge(out, t["references"], BUDGET)})
    for t in topics:  # lead with the input order taken away: how much of lead's score is the file order
        scores = [rouge(out, t["references"], BUDGET) for out in run_lead_shuffled(t["documents"], language)]
        per_topic.setdefault("lead, shuffled order", []).append(
            {"topic": t["id"], **{k: statistics.mean(s[k] for s in scores) for k in scores[0]}})
    peers = sorted({k for t in topics for k in t.get("peer_summaries", {})}, key=lambda k: int(k[2:]))
    for peer in peers:
        for t in topics:
            text = t["peer_summaries"].get(peer)
            if text is not None:
                per_topic.setdefault(peer, []).append({"topic": t["id"], **rouge(text, t["references"], BUDGET)})
    for t in topics:
        out = run_oracle(t["documents"], t["references"])
        per_topic.setdefault("oracle", []).append({"topic": t["id"], **rouge(out, t["references"], BUDGET)})
    for t in topics:  # one human summary against the other two
        refs = t["references"]
        scores = [rouge(refs[i], refs[:i] + refs[i + 1:], BUDGET) for i in range(len(refs))]
        per_topic.setdefault("human", []).append(
            {"topic": t["id"], **{k: statistics.mean(s[k] for s in scores) for k in scores[0]}})
    table: dict[str, dict[str, float]] = {}
    for name, rows in per_topic.items():
        table[name] = {k: statistics.mean(r[k] for r in rows) for k in ("R1", "R2", "RL", "SU4")}
        table[name]["topics"] = len(rows)
        if name in timings:
            table[name]["sec"] = statistics.median(timings[name])
    return table, per_topic


def markdown(title: str, table: dict[str, dict[str, float]]) -> str:
    lines = [f"### {title}", "", "| system | R1 | R2 | RL | SU4 | topics | seconds per topic |", "|---|---|---|---|---|---|---|"]
    for name, row in sorted(table.items(), key=lambda kv: -kv[1]["R2"]):
        sec = f"{row['sec']:.4f}" if "sec" in row else ""
        lines.append(f"| {name} | {row['R1']:.1f} | {row['R2']:.1f} | {row['RL']:.1f} | {row['SU4']:.1f} | "
                     f"{int(row['topics'])} | {sec} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path, default=Path(__file__).with_name("summarization.json"))
    ap.add_argument("--lang", choices=["ar", "en", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=3, help="runs per topic and system; the fastest is timed")
    args = ap.parse_args()
    files = {"ar": "multiling2011_ar_mds.jsonl", "en": "multiling2011_en_mds.jsonl"}
    langs = ["ar", "en"] if args.lang == "both" else [args.lang]
    missing = [files[lg] for lg in langs if not (args.data / files[lg]).exists()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found under {args.data} (pass --data DIR)", file=sys.stderr)
        return 0
    report: dict[str, object] = {}
    for lang in langs:
        table, per_topic = bench(args.data / files[lang], lang, args.repeat)
        print(markdown(f"MultiLing 2011 {lang}, {BUDGET} words, F x100", table))
        print()
        report[lang] = {"table": table, "per_topic": per_topic}
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    _ = tokens  # re-exported for notebooks
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
