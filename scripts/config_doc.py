"""Write docs/configuration.md from khulasa/config.py: every setting, its default, its range, its comment.

    python scripts/config_doc.py            # rewrite the page
    python scripts/config_doc.py --check    # exit 1 when the page is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
from pathlib import Path

from khulasa.config import _RANGES, DEFAULT, Config

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
_HEAD = """# Configuration

Every setting of khulasa, its default and the values it accepts (this page is written by
`python scripts/config_doc.py` from `khulasa/config.py`). Set any of them in a TOML file, section by
section, and pass it with `khulasa --config FILE ...` or `load_config(FILE)` from Python (the same
sections may sit under `[tool.khulasa]` in a `pyproject.toml`). Values are checked before any work
starts: an unknown section or key, a value of the wrong type, or one out of its range is refused with a
`ConfigError` that names the key and what it accepts.

```toml
[summary]
max_words = 150

[cluster]
event_days = 5
```
"""


def _accepts(name: str, type_text: str) -> str:
    if name == "solver":
        return '"greedy" or "ilp"'
    if name == "ner":
        return '"fast" or "accurate"'
    low, high = _RANGES[name]
    text = f"≥ {low}" if high is None else f"{low} to {high}"
    return text + (", or unset" if type_text.endswith("| None") else "")


def render() -> str:
    """The page's text."""
    out = [_HEAD]
    for section in dataclasses.fields(Config):
        values = getattr(DEFAULT, section.name)
        source = inspect.getsource(type(values))
        out += [f"## [{section.name}]", "", (type(values).__doc__ or "").strip().splitlines()[0], "",
                "| key | default | accepts | what it does |", "|---|---|---|---|"]
        for f in dataclasses.fields(values):
            m = re.search(rf"^\s+{f.name}: [^=]+= [^#\n]+(?:#\s*(.*))?$", source, re.M)
            default = getattr(values, f.name)
            shown = f'"{default}"' if isinstance(default, str) else default
            out.append(f"| `{f.name}` | `{shown}` | {_accepts(f.name, str(f.type))} | "
                       f"{(m.group(1) or '').strip() if m else ''} |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="Only check that the page is up to date.")
    args = ap.parse_args()
    text = render()
    if args.check:
        if PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE} is out of date: run python scripts/config_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
