"""Screenshots of the digest page of a pile, desktop (1400 px) and phone (390 px), with Debian's Chromium.

    python scripts/screenshots.py examples/ --out docs/img --name examples
    python scripts/screenshots.py ../shared/seeds --out test-output --name seeds

Writes ``{name}-desktop.png`` and ``{name}-mobile.png`` (the phone shot with the citation viewer open).
A JSONL(.gz) pile can be cut to its first ``--limit`` articles.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--out", type=Path, default=Path("test-output"))
    ap.add_argument("--name", default="digest")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (0: all)")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from khulasa.ingest import read_articles
    from khulasa.output.html import digest_html
    from khulasa.pipeline import digest

    articles = list(read_articles(args.paths).articles)
    if args.limit:
        articles = articles[:args.limit]
    page_file = Path(tempfile.mkdtemp()) / "digest.html"
    page_file.write_text(digest_html(digest(articles)), encoding="utf-8")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        desk = browser.new_page(viewport={"width": 1400, "height": 1000})
        desk.goto(page_file.as_uri())
        desk.locator("button.cite").first.click()
        desk.screenshot(path=str(args.out / f"{args.name}-desktop.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(page_file.as_uri())
        phone.locator("button.cite").nth(1).scroll_into_view_if_needed()
        phone.locator("button.cite").nth(1).click()
        phone.screenshot(path=str(args.out / f"{args.name}-mobile.png"))
        browser.close()
    print(f"{len(articles)} articles -> {args.out}/{args.name}-desktop.png, {args.name}-mobile.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
