"""Figure extraction benchmark on the team's own annotated sentences (benchmarks/data/figures_gold.jsonl).

    python benchmarks/figures.py

Gold: every quantity mention (counts, money, percentages, fractions, durations, approximations),
with its value and unit; dates, years, times, ordinals and names are not quantities. A predicted
figure detects a gold one when their spans overlap; it is fully right when the value (within
0.1%) and the unit also match. Peer in the same run: a digits-only regular expression.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

from khulasa.figures import extract
from khulasa.model import Article
from khulasa.text import normalize

GOLD = Path(__file__).with_name("data") / "figures_gold.jsonl"

Prediction = tuple[int, int, float, str]


def khulasa_figures(text: str) -> list[Prediction]:
    return [(f.start, f.end, f.value, f.unit) for f in extract(Article(id="s", text=text))]


def digits_only(text: str) -> list[Prediction]:
    out = []
    for m in re.finditer(r"[\d٠-٩]+(?:[.,٫٬][\d٠-٩]+)*", text):
        value = float(normalize(m.group()).replace(",", ""))
        out.append((m.start(), m.end(), value, ""))
    return out


def evaluate(system: Callable[[str], list[Prediction]], items: list[dict[str, object]]) -> dict[str, float]:
    n_gold = n_pred = detected = value_ok = unit_ok = strict = 0
    for item in items:
        text = str(item["text"])
        golds = [(text.find(g["text"]), text.find(g["text"]) + len(g["text"]), float(g["value"]), g["unit"])
                 for g in item["figures"]]  # type: ignore[attr-defined]
        preds = system(text)
        n_gold += len(golds)
        n_pred += len(preds)
        used: set[int] = set()
        for gs, ge, gv, gu in golds:
            match = next((k for k, (ps, pe, _, _) in enumerate(preds) if k not in used and ps < ge and gs < pe), None)
            if match is None:
                continue
            used.add(match)
            detected += 1
            _, _, pv, pu = preds[match]
            v = math.isclose(pv, gv, rel_tol=1e-3)
            value_ok += v
            unit_ok += pu == gu
            strict += v and pu == gu
    precision = detected / n_pred if n_pred else 0.0
    recall = detected / n_gold if n_gold else 0.0
    return {"gold": n_gold, "predicted": n_pred, "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "value_accuracy": value_ok / detected if detected else 0.0,
            "unit_accuracy": unit_ok / detected if detected else 0.0,
            "strict_recall": strict / n_gold if n_gold else 0.0}


def main() -> int:
    items = [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    print(f"### Figure extraction on {len(items)} sentences written and annotated by the team")
    print()
    print("| system | gold | predicted | P | R | F1 | value acc. | unit acc. | strict R |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, system in (("khulasa", khulasa_figures), ("digits-only regex", digits_only)):
        r = evaluate(system, items)
        print(f"| {name} | {r['gold']} | {r['predicted']} | {100 * r['precision']:.1f} | {100 * r['recall']:.1f} | "
              f"{100 * r['f1']:.1f} | {100 * r['value_accuracy']:.1f} | {100 * r['unit_accuracy']:.1f} | "
              f"{100 * r['strict_recall']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
