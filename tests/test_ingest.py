"""Ingestion and cleaning: the seeds, the example corpus, a cleaner golden file, and bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khulasa.dates import parse_date_line, split_date_prefix
from khulasa.ingest import read_articles
from khulasa.ingest.clean import _FLOATING_WORDS, _WIDGET_PATTERNS, clean_document, is_widget, line_key
from khulasa.ingest.meta import dateline_of, source_of, update_stamp
from khulasa.model import Article, RawDocument
from khulasa.output.json import article_to_dict
from khulasa.text import normalize, sentences

from .conftest import EXAMPLES, GOLDEN, check_golden

FURNITURE = ["Accessibility links", "XS", "LG", "logo-print", "Facebook Forum", "أضف تعليقاً",
             "لن يتم نشر عنوان بريدك الإلكتروني", "المصدر:"]


def _body_lines(raw: str) -> list[str]:
    """Lines of a raw scrape that are body prose (long and ending like a sentence)."""
    return [ln.strip() for ln in raw.splitlines() if len(ln.split()) >= 15]


def test_seeds_are_clean_and_keep_every_body_sentence(seeds_dir: Path) -> None:
    batch = read_articles([str(seeds_dir)])
    assert not batch.issues
    assert len(batch.articles) == 5
    for article in batch.articles:
        for junk in FURNITURE:
            assert junk not in article.text.splitlines(), (article.id, junk)
            if len(junk) > 3:
                assert junk not in article.text, (article.id, junk)
        raw = (seeds_dir / f"{article.id}.txt").read_text(encoding="utf-8")
        body_norm = normalize(article.text)
        for line in _body_lines(raw):
            assert normalize(line) in body_norm, (article.id, line[:40])
    by_prefix = {a.id[:3]: a for a in batch.articles}
    assert by_prefix["001"].date == dt.date(2015, 1, 18)
    assert by_prefix["000"].source == "راديو سوا"
    assert by_prefix["004"].source == "وكالات"
    assert by_prefix["001"].dateline == "لندن"
    assert by_prefix["003"].dateline == "بغداد"
    glued = [s.text for s in sentences(by_prefix["003"]) if "العبيدي" in s.text or "وأصدر وزراء" in s.text]
    assert len(glued) == 2 and glued[0].endswith("العبيدي.") and glued[1].startswith("وأصدر")


def test_cleaner_golden(update_golden: bool) -> None:
    raw = (GOLDEN / "cleaner_input.txt").read_text(encoding="utf-8")
    article = clean_document(RawDocument(id="golden", path="golden.txt", text=raw))
    check_golden("cleaner_expected.json", article_to_dict(article), update_golden)


def test_examples_corpus_shape() -> None:
    batch = read_articles([str(EXAMPLES)])
    assert not batch.issues, batch.issues
    assert len(batch.articles) >= 12
    assert len({a.id for a in batch.articles}) == len(batch.articles)
    assert {a.path.rsplit(".", 1)[-1].split(":")[0] for a in batch.articles} >= {"txt", "html", "jsonl"}
    for a in batch.articles:
        assert a.language == "ar" and a.text
        assert "استمعوا إلى نشرات" not in a.text  # learned outlet footer
        assert "صحيفة الرافد - جميع المواد" not in a.text
    wire = next(a for a in batch.articles if a.id == "wire-1103-052")
    assert wire.source == "وكالة أنباء المشرق" and wire.date == dt.date(2024, 11, 3)
    cp1256 = next(a for a in batch.articles if a.id == "alofoq/floods-wire")
    assert "السيول" in cp1256.text and cp1256.outlet == "قناة الأفق"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("الأحد 2015/01/18", dt.date(2015, 1, 18)), ("السبت 8 يناير 2005", dt.date(2005, 1, 8)),
     ("19 أيلول/سبتمبر 2024", dt.date(2024, 9, 19)), ("الخميس ٢١ تموز ٢٠١٦", dt.date(2016, 7, 21)),
     ("نشر في: 2016-07-21 14:05", dt.date(2016, 7, 21)), ("قال في 18 يناير 2015 إن الاجتماع", None),
     ("Saturday, January 8, 2005", dt.date(2005, 1, 8)), ("Dec. 26th, 2004", dt.date(2004, 12, 26)),
     ("Thursday, 19 May 2005", dt.date(2005, 5, 19)), ("He said on May 3, 2005 that", None)],
)
def test_date_lines(line: str, expected: dt.date | None) -> None:
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [("الثلاثاء 14 آب 2012 ومن خلال حملة على الإذاعة جمع المتطوعون", (dt.date(2012, 8, 14), "ومن خلال حملة")),
     ("السبت 3 أذار 2018 ، الأرقام الصادرة اليوم عن المنظمة", (dt.date(2018, 3, 3), "الأرقام الصادرة")),
     ("9 تشرين الأول/أكتوبر 2019 - أعلنت البلدية", (dt.date(2019, 10, 9), "أعلنت البلدية")),
     ("الخميس ٢١ تموز ٢٠١٦: وصل الوفد", (dt.date(2016, 7, 21), "وصل الوفد")),
     ("Friday, June 3, 2011 The council voted", (dt.date(2011, 6, 3), "The council voted")),
     ("12 آذار 2020 كان يوما صعبا على المزارعين", None),  # the date belongs to the sentence
     ("السبت 3 أذار 2018،الأرقام الصادرة", (dt.date(2018, 3, 3), "الأرقام الصادرة")),  # no word lost
     ("Tuesday, May 8, 2012Through a telethon", (dt.date(2012, 5, 8), "Through a telethon")),
     ("الأحد ٥ حزيران ٢٠٢٢ - وَصَلَ الوفد", (dt.date(2022, 6, 5), "وَصَلَ الوفد")),
     ("قالت الوزارة في 12 آذار 2020 إن", None), ("الأحد 2015/01/18", None),
     ("الأحد ٥ حزيران ٢٠٢٢ - وصل الوفد" + " إلى المدينة" * 30 + " في 6 حزيران 2022.", (dt.date(2022, 6, 5), "وصل الوفد")),
     ("وصل الوفد" + " إلى المدينة" * 30 + " في 6 حزيران 2022.", None)],  # a date far into a long line
)
def test_date_run_into_the_lead(line: str, expected: tuple[dt.date, str] | None) -> None:
    found = split_date_prefix(line)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found[0] == expected[0] and found[1].startswith(expected[1])
        assert line.endswith(found[1])


def test_cleaner_lifts_a_date_run_into_the_lead() -> None:
    raw = ("الاثنين 4 شباط 2019 أطلقت جمعية الصيادين في المدينة حملة لتنظيف الشاطئ بمشاركة مئات المتطوعين.\n"
           "وقال رئيس الجمعية إن الحملة ستستمر أسبوعين وستشمل الموانئ الصغيرة.")
    article = clean_document(RawDocument(id="glued", path="glued", text=raw))
    assert article.date == dt.date(2019, 2, 4)
    assert article.text.startswith("أطلقت جمعية الصيادين") and "2019" not in article.text
    assert "الاثنين 4 شباط 2019" in article.removed
    # The hash is built from the kept lines' keys; it must be the hash of the text the article holds.
    assert article.content_hash == hashlib.sha256(line_key(article.text).encode("utf-8")).hexdigest()[:16]


def test_metadata_lines() -> None:
    assert source_of("المصدر: راديو سوا") == "راديو سوا"
    assert source_of("قال المصدر إن") is None
    assert update_stamp("تحديث (18:31 تغ)") == "18:31 تغ"
    assert update_stamp("آخر تحديث:") == ""
    dl = dateline_of("بغداد/شبكة اخبار العراق- أكد وزراء")
    assert dl is not None and (dl.place, dl.outlet) == ("بغداد", "شبكة اخبار العراق")
    dl = dateline_of("القاهرة (رويترز) - قال مسؤول")
    assert dl is not None and (dl.place, dl.credit) == ("القاهرة", "رويترز")
    assert dateline_of("وقال- إن") is None


@pytest.mark.parametrize(
    ("line", "widget"),
    [("تابعونا على تويتر", True), ("شارك عبر فيسبوك", True), ("إقرأ أيضاً: خبر آخر", True), ("XS SM MD LG", True),
     ("الرئيسية | أخبار | اقتصاد", True), ("جميع الحقوق محفوظة", True), ("Share this article", True),
     ("وقال إن الحكومة على علم بالأمر.", False), ("تابعونا", True), ("تابع الوزير جولته على المدن", False)],
)
def test_widget_lines(line: str, widget: bool) -> None:
    # Patterns see normalized keys: "على" must be written as its normalized form to ever match.
    assert is_widget(line) is widget


def test_unpunctuated_prose_is_body_and_a_menu_is_not() -> None:
    prose = ("زار وزير الزراعة صباح اليوم مزارع القمح في سهل البقاع\n"
             "واطلع الوزير على أضرار موجة الصقيع التي ضربت المنطقة الأسبوع الماضي\n"
             "ووعد بتعويض المزارعين المتضررين قبل نهاية الشهر الحالي")
    article = clean_document(RawDocument(id="p", path="p.txt", text=prose))
    assert article.text == prose
    menu = clean_document(RawDocument(id="m", path="m.txt", text="أخبار\nرياضة\nاقتصاد وأعمال\nمنوعات"))
    assert menu.text == ""


# --- bad input ---------------------------------------------------------------------------------

ARABIC = "قال وزير الخارجية إن الاجتماع المقبل سيعقد في القاهرة بمشاركة عشرين دولة عربية وأجنبية.\n"


def _issues_by_file(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    batch = read_articles([str(tmp_path)])
    return [a.id for a in batch.articles], {Path(i.path.split(":")[0]).name: i.reason for i in batch.issues}


def test_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "garbage.txt").write_bytes(bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d]) * 50 + b"abc")
    (tmp_path / "english.txt").write_text("The meeting of the ministers was held in London on Thursday and "
                                          "the delegates agreed on a plan.\n", encoding="utf-8")
    (tmp_path / "german.txt").write_text("Die Minister trafen sich am Donnerstag in London, und was sie "
                                         "beschlossen, blieb unklar. Die Gespräche gehen weiter.\n", encoding="utf-8")
    (tmp_path / "persian.txt").write_text("وزیر امور خارجه گفت که این نشست روز پنجشنبه در لندن برگزار می شود "
                                          "و چند کشور در آن شرکت خواهند کرد.\n", encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text(json.dumps({"text": ARABIC, "title": "عنوان"}, ensure_ascii=False)
                                         + "\n{not json\n" + json.dumps({"body": "x"}) + "\n", encoding="utf-8")
    (tmp_path / "broken.html").write_text("<html><body><div><p>" + ARABIC * 3 + "<p><b>", encoding="utf-8")
    ids, issues = _issues_by_file(tmp_path)
    assert "good" in ids and "broken" in ids and "feed-1" in ids and "english" in ids
    assert "empty" in issues["empty.txt"]
    assert "binary" in issues["binary.txt"]
    assert "UTF-8" in issues["garbage.txt"]
    assert "English" in issues["english.txt"]
    assert "German" in issues["german.txt"] and "Persian" in issues["persian.txt"] and "good.txt" not in issues
    assert "malformed JSON" in issues["feed.jsonl"] or "no article text" in issues["feed.jsonl"]
    batch = read_articles([str(tmp_path / "feed.jsonl")])
    assert sorted(i.path for i in batch.issues) == [f"{tmp_path / 'feed.jsonl'}:2", f"{tmp_path / 'feed.jsonl'}:3"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1256", "iso8859-6"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    text = "وزير الخارجية يصل إلى عمان في زيارة رسمية تستمر يومين يبحث خلالها التعاون الاقتصادي.\n"
    (tmp_path / "a.txt").write_bytes(text.encode(encoding))
    batch = read_articles([str(tmp_path / "a.txt")])
    assert not batch.issues
    assert batch.articles[0].text == text.strip()


def test_too_large_and_missing(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(ARABIC * 200, encoding="utf-8")
    batch = read_articles([str(big), str(tmp_path / "nope.txt")], max_bytes=1000)
    reasons = {Path(i.path).name: i for i in batch.issues}
    assert "limit" in reasons["big.txt"].reason and "--max-mb" in reasons["big.txt"].fix
    assert "no such file" in reasons["nope.txt"].reason
    assert batch.articles == ()


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the user may not read (simulated: permissions do not bind root, which CI runs as)."""
    path = tmp_path / "locked.txt"
    path.write_text(ARABIC, encoding="utf-8")
    (tmp_path / "ok.txt").write_text(ARABIC, encoding="utf-8")
    real = Path.open

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    batch = read_articles([str(tmp_path)])
    assert [a.id for a in batch.articles] == ["ok"]
    assert "cannot read" in batch.issues[0].reason and "Permission denied" in batch.issues[0].reason


def test_stdin_and_sniffing() -> None:
    batch = read_articles(["-"], stdin=ARABIC.encode("cp1256"))
    assert batch.articles[0].id == "stdin" and "القاهرة" in batch.articles[0].text
    line = json.dumps({"content": ARABIC, "source": {"name": "وكالة"}}, ensure_ascii=False)
    batch = read_articles(["-"], stdin=line.encode())
    assert batch.articles[0].source == "وكالة"


def test_jsonl_field_override(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps({"story": ARABIC, "when": "2020-05-01"}, ensure_ascii=False) + "\n", encoding="utf-8")
    batch = read_articles([str(path)], fields={"text": ("story",), "date": ("when",)})
    assert batch.articles[0].date == dt.date(2020, 5, 1)


def test_recurring_outlet_lines_are_learned(tmp_path: Path) -> None:
    footer = "تابعوا قناتنا على الهواتف الذكية"
    for i in range(4):
        (tmp_path / f"{i}.txt").write_text(f"{ARABIC}جملة رقم {i} في هذا الخبر الخاص عن الاقتصاد المحلي.\n\n{footer}\n",
                                           encoding="utf-8")
    batch = read_articles([str(tmp_path)])
    assert all(footer not in a.text for a in batch.articles)
    assert all(footer in a.removed for a in batch.articles)


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    batch = read_articles([str(tmp_path)])
    assert batch.articles == () and "no .txt, .html or .jsonl" in batch.issues[0].reason


def test_archives_are_read_member_by_member(tmp_path: Path) -> None:
    import io
    import tarfile
    import zipfile

    zpath = tmp_path / "feed.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("site/a.txt", ARABIC)
        zf.writestr("site/b.html", "<html><body><article><p>" + ARABIC * 2 + "</p></article></body></html>")
        zf.writestr("site/empty.txt", "")
        zf.writestr("site/photo.jpg", b"\xff\xd8\xff")
    tpath = tmp_path / "more.tar.gz"
    with tarfile.open(tpath, "w:gz") as tf:
        data = ARABIC.encode("cp1256")
        info = tarfile.TarInfo("x/c.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    batch = read_articles([str(tmp_path)])
    ids = sorted(a.id for a in batch.articles)
    assert ids == ["feed.zip/site/a", "feed.zip/site/b", "more.tar.gz/x/c"]
    reasons = {Path(i.path.split("!")[0]).name + ("!" + i.path.split("!")[1] if "!" in i.path else ""): i.reason
               for i in batch.issues}
    assert "empty" in reasons["feed.zip!site/empty.txt"]
    assert "not a valid zip" in reasons["broken.zip"]


def test_a_pile_of_outlets_is_not_credited_to_its_folder(tmp_path: Path) -> None:
    body = "افتتح المجلس البلدي اليوم حديقة عامة جديدة في وسط المدينة بحضور عدد من السكان والمسؤولين."
    pile, site = tmp_path / "downloads", tmp_path / "alnahar"
    pile.mkdir()
    site.mkdir()
    (pile / "a.txt").write_text(f"صيدا/وكالة الساحل- {body}", encoding="utf-8")
    (pile / "b.txt").write_text(f"حلب/إذاعة الشمال- {body} وقال رئيس المجلس إنها الأولى.", encoding="utf-8")
    (pile / "c.txt").write_text(f"{body} وتمتد الحديقة على هكتارين.", encoding="utf-8")
    (site / "d.txt").write_text(f"صور/وكالة الساحل- {body} وزرعت فيها مئة شجرة.", encoding="utf-8")
    (site / "e.txt").write_text(f"{body} وتفتح أبوابها كل يوم.", encoding="utf-8")
    other = tmp_path / "elsewhere" / "downloads"  # same name, another folder: one outlet's
    other.mkdir(parents=True)
    (other / "f.txt").write_text(f"صور/وكالة الساحل- {body} وأضيفت إليها ملاعب.", encoding="utf-8")
    (other / "g.txt").write_text(f"{body} وستضاء ليلا.", encoding="utf-8")
    by_id = {a.id: a for a in read_articles([str(pile), str(site), str(other)]).articles}
    assert [by_id[k].credit for k in ("a", "b", "c")] == ["وكالة الساحل", "إذاعة الشمال", "c"]
    assert by_id["g"].credit == "downloads"
    assert not by_id["c"].folder_credit
    assert [by_id[k].credit for k in ("d", "e")] == ["وكالة الساحل", "alnahar"]  # one outlet: a site's folder
    alone = read_articles([str(pile / "c.txt")]).articles[0]
    assert alone.credit == "downloads"  # read alone, nothing shows the folder is a pile


@given(st.sampled_from([p for p in _WIDGET_PATTERNS if not p.startswith("^")]).flatmap(
    lambda p: st.from_regex(p, fullmatch=True)))
@settings(max_examples=200, deadline=None)
def test_every_free_floating_widget_match_holds_a_prefilter_word(match: str) -> None:
    # is_widget only runs the free-floating patterns on lines holding one of these words.
    assert any(w in match for w in _FLOATING_WORDS)


def test_a_line_that_continues_the_one_above_is_joined_to_it() -> None:
    raw = ("فرق الإنقاذ تصل إلى الموقع\n"
           "وصل فريق الإنقاذ إلى موقع الانهيار في وسط المدينة صباح الأحد بعد رحلة استمرت ساعات.\n"
           "وقال المتحدث باسم الفريق إن العمال وصلوا إلى الموقع في الصباح الباكر\n"
           "، وبدأوا العمل في رفع الأنقاض فورا.\n"
           "وأضاف أن العمل سيستمر أسبوعا على الأقل حتى يتم رفع كل الأنقاض من الشوارع.")
    article = clean_document(RawDocument(id="wrapped", path="wrapped", text=raw))
    texts = [s.text for s in sentences(article)]
    assert texts[1] == "وقال المتحدث باسم الفريق إن العمال وصلوا إلى الموقع في الصباح الباكر ، وبدأوا العمل في رفع الأنقاض فورا."
    assert len(texts) == 3


@given(st.text(alphabet=st.sampled_from(list("ab .!؟?…'\"”»)(\n\t\u00a0\u2003x")), max_size=12))
@settings(max_examples=400, deadline=None)
def test_is_terminated_agrees_with_its_pattern(line: str) -> None:
    from khulasa.ingest.meta import _TERMINAL, is_terminated

    assert is_terminated(line) == bool(_TERMINAL.search(line))


def test_one_content_hash_formula() -> None:
    """The cleaner's hash (built line by line) is the hash the store computes for a bare text."""
    from khulasa.text import content_hash

    for a in read_articles([str(EXAMPLES)]).articles:
        assert a.content_hash == content_hash(a.text)


def test_streamed_articles_are_the_batchs(tmp_path: Path) -> None:
    """``stream_articles`` (three passes over spilled documents) gives what cleaning the whole batch at
    once gives: recurring lines learned over every file, ids taken twice, folders that are piles."""
    from khulasa.ingest import clean_batch, stream_articles
    from khulasa.ingest.readers import read_raw

    footer = "تابعوا قناتنا على الهواتف الذكية"
    for folder, outlet in (("site", "وكالة الساحل"), ("pile", "إذاعة الشمال"), ("pile2", "")):
        (tmp_path / folder).mkdir()
        for i in range(4):
            dateline = f"صيدا/{outlet}- " if outlet and i % 2 else ""
            (tmp_path / folder / f"{i}.txt").write_text(
                f"{dateline}{ARABIC}جملة رقم {i} في {folder}.\n\n{footer}\n", encoding="utf-8")
    (tmp_path / "pile" / "x.txt").write_text(f"صور/وكالة الساحل- {ARABIC} خبر آخر.", encoding="utf-8")
    (tmp_path / "dup.jsonl").write_text("\n".join(json.dumps({"id": "a", "text": ARABIC + t}, ensure_ascii=False)
                                                  for t in ("", " ثان.", "")) + "\n", encoding="utf-8")
    paths = [str(tmp_path)]
    docs, read_issues = read_raw(paths)
    articles, clean_issues = clean_batch(docs)
    streamed = list(stream_articles(paths))
    assert [a for a in streamed if isinstance(a, Article)] == articles
    assert [i for i in streamed if not isinstance(i, Article)] == read_issues + clean_issues
    assert sum(footer in a.removed for a in articles) == 12
    assert sum(a.id.split("~")[0] == "a" for a in articles) == 3 and len({a.id for a in articles}) == len(articles)
    assert any(not a.folder_credit for a in articles) and any(a.folder_credit for a in articles)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(p, width) if p.strip() else "" for p in text.split("\n"))


def _sentences_and_title(text: str) -> tuple[list[str], str]:
    import re

    a = clean_document(RawDocument(id="x", path="x.txt", text=text))
    return [re.sub(r"\s+", " ", s.text) for s in sentences(a)], re.sub(r"\s+", " ", a.title)


@pytest.mark.parametrize("width", [60, 70, 80])
def test_hard_wrapped_text_is_joined_before_cleaning(width: int) -> None:
    """Text wrapped at a fixed width (every line cut mid-sentence) keeps every sentence and its title."""
    from khulasa.ingest.clean import unwrap

    for path in sorted(EXAMPLES.glob("*/*.txt")):
        text = path.read_text(encoding="utf-8")
        assert unwrap(text) == text  # not wrapped: left alone
        assert _sentences_and_title(_wrap(text, width)) == _sentences_and_title(text), (path, width)


def test_lists_and_short_lines_are_not_taken_for_wrapped_text() -> None:
    from khulasa.ingest.clean import unwrap

    text = ("أعلنت الشركة القابضة عن بيع حصتها في شركة المياه الفرنسية بعد مفاوضات استمرت عدة أشهر مع المستثمرين، "
            "وفق بيان نشرته اليوم.\nومن أبرز عمليات البيع التي قامت بها الشركة مؤخرا بعد تراجع الأسعار في الأسواق:\n"
            "تقليص الحصة في شركة النفط من 9.75% إلى 4.7%\nخفض الحصة في البنك السويسري إلى 4.94%\n"
            "بيع أسهم في شركة المجوهرات بقيمة 417 مليون دولار\nبيع 4.6% من شركة المياه بـ640 مليون دولار")
    assert unwrap(text) == text
    menu = "\n".join(["الرئيسية", "أخبار العالم والمنطقة العربية اليوم", "اقتصاد", "رياضة وملاعب", "فنون", "اتصل بنا"])
    assert unwrap(menu) == menu


def test_wrapped_multiling_articles_keep_their_sentences(shared_data: Path) -> None:
    """A floor, not a target: MultiLing's 200 articles wrapped at 60, 70 and 80 columns."""
    docs = [d for lang in ("ar", "en") for line in (shared_data / f"multiling2011_{lang}_mds.jsonl")
            .read_text(encoding="utf-8").splitlines() for d in json.loads(line)["documents"]]
    same = titles = 0
    for d in docs:
        want = _sentences_and_title(d)
        for width in (60, 70, 80):
            got = _sentences_and_title(_wrap(d, width))
            same += got[0] == want[0]
            titles += got[1] == want[1]
    assert same >= 0.8 * 3 * len(docs) and titles >= 0.98 * 3 * len(docs), (same, titles)
