"""The public API: every exported name exists, the list is sorted, and the README example runs."""

from __future__ import annotations

from pathlib import Path

import khulasa

from .conftest import EXAMPLES


def test_all_is_complete() -> None:
    """Every export resolves to the object its module defines, and nothing else is exported lazily
    (ruff's RUF022 keeps the list sorted)."""
    import importlib

    assert set(khulasa.__all__) == set(khulasa._EXPORTS)
    assert len(set(khulasa.__all__)) == len(khulasa.__all__)
    for name in khulasa.__all__:
        assert getattr(khulasa, name) is getattr(importlib.import_module(khulasa._EXPORTS[name]), name)


def test_import_loads_nothing_heavy() -> None:
    """``import khulasa`` (and the command line's start) imports neither the stages nor scipy, numpy or
    datasketch: names load on first use."""
    import subprocess
    import sys

    code = ("import sys, khulasa, khulasa.cli; heavy = [m for m in ('scipy', 'numpy', 'datasketch', 'sklearn', "
            "'khulasa.pipeline', 'khulasa.summary', 'fastapi', 'pydantic', 'rich') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_summarizing_one_text_file_loads_only_what_it_uses(tmp_path: Path) -> None:
    """``khulasa summarize`` of a text file (its start-up is most of its time) loads neither scipy, nor
    pydantic (typer 0.29 built every option through it), nor the HTML extractor, nor the JSON writer."""
    import subprocess
    import sys

    article = tmp_path / "a.txt"
    article.write_text("عنوان الخبر\n\nقال المتحدث إن الوفد وصل إلى العاصمة صباح اليوم. وبدأت المحادثات بعد ساعة.\n",
                       encoding="utf-8")
    code = ("import sys; from khulasa.cli import main\nsys.argv = ['khulasa', 'summarize', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('scipy', 'pydantic', 'trafilatura', 'khulasa.output.json', 'datasketch', 'sklearn') "
            "if m in sys.modules], file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code, str(article)], capture_output=True, text=True, check=True)
    assert "الوفد" in run.stdout
    assert run.stderr.strip().splitlines()[-1] == "[]"


def test_readme_example() -> None:
    batch = khulasa.read_articles([str(EXAMPLES)])
    result = khulasa.digest(batch.articles, max_words=100)
    assert result.stories and all(sd.summary.word_count <= 100 for sd in result.stories)
    summary = khulasa.summarize(batch.articles[:3], max_words=100)
    for s in summary.sentences:
        assert [c.source for c in s.citations]


def test_display_title_falls_back_to_the_opening_words() -> None:
    from khulasa.model import Article

    assert Article(id="a", text="نص", title="عنوان").display_title == "عنوان"
    long = Article(id="a", text=" ".join(f"كلمة{i}" for i in range(20)))
    assert long.display_title.startswith("كلمة0 كلمة1") and long.display_title.endswith("…")
    assert len(long.display_title.split()) == 13
    assert Article(id="a", text="قصير جدا").display_title == "قصير جدا"
    assert Article(id="file-7", text="").display_title == "file-7"
