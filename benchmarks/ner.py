"""NER benchmark: khulasa's shipped tagger on the ANERcorp test split, exact spans (CoNLL), PER/LOC/ORG.

    python benchmarks/ner.py [--data ../shared/data]

ANERcorp's PERS is read as PER; MISC is ignored (khulasa does not tag it). Prints precision, recall and
F1 per class and micro-averaged, and tokens per second. Peer in the same run: a gazetteer-and-trigger
baseline (the shipped gazetteer, title triggers, organization head words, no model).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from khulasa.entities import (
    _ORG_HEADS,
    _PERSON_TRIGGERS,
    accurate_tagger,
    accurate_tags,
    gazetteer,
    tag_document,
    tag_tokens,
)
from khulasa.errors import KhulasaError
from khulasa.text import normalize, strip_clitics

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CLASSES = ("PER", "LOC", "ORG")
# ANERcorp's test file has no document boundaries: a sentence's document is approximated by the
# sentences around it (khulasa itself uses the whole article).
CONTEXT = 10


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Exact entity spans (start, end, type) of a BIO sequence (CoNLL: an I- after O starts an entity)."""
    out: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, t in enumerate([*tags, "O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != kind):
            if kind:
                out.add((start, i, kind))
            start, kind = (i, t[2:]) if t != "O" else (-1, "")
    return out


def _gold(tags: list[str]) -> list[str]:
    return [t.replace("PERS", "PER") if "MISC" not in t else "O" for t in tags]


def baseline(tokens: list[str]) -> list[str]:
    gaz = gazetteer()
    out = []
    for i, tok in enumerate(tokens):
        w = normalize(tok)
        b = strip_clitics(w)
        prev = normalize(tokens[i - 1]) if i else ""
        if b in gaz["LOC"] or w in gaz["LOC"]:
            out.append("B-LOC")
        elif prev in _PERSON_TRIGGERS and len(w) > 2 and w.isalpha():
            out.append("B-PER")
        elif w in _ORG_HEADS and i + 1 < len(tokens):
            out.append("B-ORG")
        else:
            out.append("O")
    return out


def score(tagger: Callable[[list[str]], list[str]], records: list[dict[str, list[str]]]) -> tuple[dict[str, tuple[float, float, float]], float]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    n_tokens = 0
    start = time.process_time()
    for r in records:
        pred = spans(tagger(r["tokens"]))
        gold = spans(_gold(r["tags"]))
        n_tokens += len(r["tokens"])
        for s in pred & gold:
            tp[s[2]] += 1
        for s in pred - gold:
            fp[s[2]] += 1
        for s in gold - pred:
            fn[s[2]] += 1
    speed = n_tokens / (time.process_time() - start)
    out = {}
    for cls in (*CLASSES, "micro"):
        t = sum(tp[c] for c in CLASSES) if cls == "micro" else tp[cls]
        p_ = sum(fp[c] for c in CLASSES) if cls == "micro" else fp[cls]
        n_ = sum(fn[c] for c in CLASSES) if cls == "micro" else fn[cls]
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n_) if t + n_ else 0.0
        out[cls] = (prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return out, speed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    path = args.data / "anercorp_test.jsonl"
    if not path.exists():
        print(f"skipped: {path} not found (pass --data DIR)", file=sys.stderr)
        return 0
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    print(f"### ANERcorp test ({len(records)} sentences), exact spans, P / R / F1 x100")
    print()
    print("| system | PER | LOC | ORG | micro P | micro R | micro F1 | tokens per CPU-s |")
    print("|---|---|---|---|---|---|---|---|")
    def whole_file(tag_all: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[list[str]], list[str]]:
        pending: list[list[str]] = []

        def one(tokens: list[str]) -> list[str]:  # tags the whole file on its first call (inside the timer)
            if not pending:
                pending.extend(reversed(tag_all([r["tokens"] for r in records])))
            return pending.pop()
        return one

    systems: list[tuple[str, Callable[[list[str]], list[str]]]] = [
        ("khulasa CRF + gazetteer, sentence alone (`tag_tokens`)", tag_tokens),
        (f"khulasa CRF + gazetteer, names carried within ±{CONTEXT} sentences (`tag_document`)",
         whole_file(lambda s: tag_document(s, window=CONTEXT))),
        ("gazetteer + triggers only", baseline),
    ]
    try:
        accurate_tagger()  # loaded before the timer, as a long-running process would have it
        systems += [
            ("khulasa accurate: fine-tuned e5-small, sentence alone (`tag_tokens(..., 'accurate')`)",
             whole_file(accurate_tags)),
            (f"khulasa accurate, names carried within ±{CONTEXT} sentences",
             whole_file(lambda s: tag_document(s, window=CONTEXT, mode="accurate"))),
        ]
    except (ImportError, KhulasaError, OSError) as exc:
        print(f"(the accurate tagger is skipped: {exc})\n")
    for name, fn in systems:
        res, speed = score(fn, records)
        cells = " | ".join(f"{100 * res[c][2]:.1f}" for c in CLASSES)
        p, r, f = res["micro"]
        print(f"| {name} | {cells} | {100 * p:.1f} | {100 * r:.1f} | {100 * f:.1f} | {speed:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
