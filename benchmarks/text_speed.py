"""Text-layer throughput: normalize + split sentences + tokenize + stem, in MB/s of UTF-8 input, one core.

    python benchmarks/text_speed.py [--data ../shared/data] [--mb 10] [--repeat 3]

Input: the MultiLing 2011 Arabic articles, repeated until the text is at least --mb megabytes.
Peers in the same run: pyarabic's sentence splitter and tokenizer (when installed) on the same text.
Reports the best of --repeat runs per stage and for the whole layer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from khulasa.model import Article
from khulasa.text import analyse_all, normalize, split_sentences, stem_tokens, tokenize

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
split = split_sentences


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = args.data / "multiling2011_ar_mds.jsonl"
    if not path.exists():
        print(f"skipped: {path} not found (pass --data DIR)", file=sys.stderr)
        return 0
    docs = [d for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            for d in json.loads(line)["documents"]]
    base = "\n\n".join(docs)
    reps = int(args.mb * 1e6 / len(base.encode("utf-8"))) + 1
    articles = docs * reps
    mb = sum(len(a.encode("utf-8")) for a in articles) / 1e6
    arts = [Article(id=f"a{i}", text=a) for i, a in enumerate(articles)]

    def layer() -> None:
        for a in articles:
            for s in split(a):
                stem_tokens(s.text)

    rows: list[tuple[str, float]] = [
        ("normalize", _best(lambda: [normalize(a) for a in articles], args.repeat)),
        ("split sentences", _best(lambda: [split(a) for a in articles], args.repeat)),
        ("tokenize", _best(lambda: [tokenize(a) for a in articles], args.repeat)),
        ("stem (tokenize + Snowball)", _best(lambda: [stem_tokens(a) for a in articles], args.repeat)),
        ("whole layer: split, then normalize + tokenize + stem each sentence", _best(layer, args.repeat)),
        ("analyse (the record every stage reads: sentences; per sentence tokens with spans, normalized "
         "forms, stems, terms; one TokenMemo for the batch)", _best(lambda: analyse_all(arts), args.repeat)),
    ]
    try:
        from pyarabic import araby

        rows.append(("peer: pyarabic sentence_tokenize", _best(lambda: [araby.sentence_tokenize(a) for a in articles], 1)))
        rows.append(("peer: pyarabic tokenize", _best(lambda: [araby.tokenize(a) for a in articles], 1)))
    except ImportError:
        print("pyarabic is not installed: pip install -e '.[bench]' for the peer rows", file=sys.stderr)
    print(f"### Text layer on {mb:.1f} MB of Arabic news ({len(articles)} articles), best of {args.repeat}, one core")
    print()
    print("| stage | seconds | MB/s |")
    print("|---|---|---|")
    for name, sec in rows:
        print(f"| {name} | {sec:.2f} | {mb / sec:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
