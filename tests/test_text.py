"""Text layer: normalization table, splitter golden file and properties, tokens and stems."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khulasa.text import (
    _ARABIC_LETTERS,
    _BASE_TABLE,
    _LATIN_LETTERS,
    _PRESENTATION_FORMS,
    _TA_TABLE,
    detect_language,
    normalize,
    normalize_many,
    script_counts,
    split_sentences,
    stem_tokens,
    stopwords,
    tokenize,
)

from .conftest import GOLDEN, check_golden


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),
        ("مُحَمَّدٌ", "محمد"),
        ("الـــعـــراق", "العراق"),
        ("على مستشفى", "علي مستشفي"),
        ("مدرسة", "مدرسه"),
        ("٢٠١٥ ۱۲", "2015 12"),
        ("نعم، لا؛ لماذا؟", "نعم, لا; لماذا?"),
        ("٢٫٥ و١٬٠٠٠", "2.5 و1,000"),
        ("ﻻ", "لا"),  # presentation form
        ("Kerry", "kerry"),
    ],
)
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_can_keep_ta_marbuta_for_stemming() -> None:
    assert normalize("مدرسة", fold_ta=False) == "مدرسة"


def _normalize_spec(text: str, fold_ta: bool) -> str:
    """The definition ``normalize`` implements faster: one ``str.translate`` over the table."""
    if _PRESENTATION_FORMS.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_TA_TABLE if fold_ta else _BASE_TABLE).lower()


_NORMALIZE_ALPHABET = st.sampled_from(
    [chr(c) for c in [*_BASE_TABLE, ord("ة"), *range(0x621, 0x64B), 0x20, 0x0A, 0x41, 0x130, 0xFEFB, 0x1F600, 0xD800]])


@given(st.lists(_NORMALIZE_ALPHABET, max_size=700).map("".join), st.booleans())
@settings(max_examples=300, deadline=None)
def test_normalize_matches_its_table_on_short_and_long_text(text: str, fold_ta: bool) -> None:
    # Short strings go through a regex substitution, long ones through a numpy table.
    assert normalize(text, fold_ta=fold_ta) == _normalize_spec(text, fold_ta)
    long = text * (1 + 300 // max(1, len(text)))
    assert normalize(long, fold_ta=fold_ta) == _normalize_spec(long, fold_ta)


def test_splitter_golden(update_golden: bool) -> None:
    text = (GOLDEN / "splitter_input.txt").read_text(encoding="utf-8")
    check_golden("splitter_expected.json", [s.text for s in split_sentences(text)], update_golden)


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("انتهى الاجتماع.جاء ذلك بعد يومين.", 2),  # glued sentence
        ("قال د. علي إن النسبة 2.5 بالمئة.", 1),  # abbreviation and decimal
        ("بلغت ٣٫٥ مليار و١٬٢٠٠ وظيفة.", 1),  # Arabic decimal and thousands separators
        ('قال: "نحن هنا. سنبقى". ثم غادر.', 2),  # no split inside a short quotation
        ("زوروا https://example.org/a.b.html الآن. شكرا.", 2),  # URL
        ("هل انتهى؟ نعم! بالتأكيد؛ تماما", 4),
        ("سطر أول\nسطر ثان", 2),
        ("مكتب [اف.بي.آي] في بوسطن.", 1),  # dotted acronym
        ("الهدف خفض 25-40 ? من الانبعاثات بحلول 2020.", 1),  # a sign lost to encoding, not a question
        ("كم بلغ العدد؟ بلغ 25 ? لا أحد يعرف.", 2),  # ... only between a number and Arabic
        ("Was it 25? Nobody knew.", 2),
        ("وقعه الرئيس جورج دبليو. بوش أمس.", 1),  # a Latin initial spelled in Arabic, inside a name
        ("اغتيل جون إف. كينيدي عام 1963.", 1),
        ("قالت شبكة سي إن إن. ثم نفت ذلك.", 2),  # ... but a spelled acronym can end a sentence
        ("تلا آية. ثم سكت.", 2),  # "آية" is a word, not the spelled letter "إيه"
    ],
)
def test_splitter_cases(text: str, n: int) -> None:
    assert len(split_sentences(text)) == n


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهوي .،؟!؛\n\"«»0123456789٫د")), max_size=300))
def test_spans_slice_back_to_sentence_text(text: str) -> None:
    sents = split_sentences(text, "a")
    for i, s in enumerate(sents):
        assert text[s.start:s.end] == s.text
        assert s.index == i and s.article_id == "a"
        assert s.text == s.text.strip() and s.text
    starts = [s.start for s in sents]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in itertools.pairwise(sents))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_splitter_never_loses_letters(text: str) -> None:
    covered = "".join(s.text for s in split_sentences(text))
    assert sum(ch.isalnum() for ch in covered) == sum(ch.isalnum() for ch in text)


def test_tokens_and_stems() -> None:
    assert tokenize("وزير الخارجية، جون كيري!") == ["وزير", "الخارجيه", "جون", "كيري"]
    assert stem_tokens("الخارجية الدوليين") == ["خارج", "دول"]
    assert stem_tokens("meetings countries", "en") == ["meet", "countri"]


def test_stopword_cache_gives_the_computed_forms_and_is_optional(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from arabicstopwords import arabicstopwords

    from khulasa.text import _arabic_stopword_forms

    computed = {normalize(w) for w in arabicstopwords.stopwords_list()}
    monkeypatch.setenv("KHULASA_CACHE_DIR", str(tmp_path / "cache"))
    assert _arabic_stopword_forms() == computed  # computed, then written
    (written,) = (tmp_path / "cache").iterdir()
    assert _arabic_stopword_forms() == computed  # read back
    written.write_text("\n".join(sorted(computed)[:10]), encoding="utf-8")
    assert len(_arabic_stopword_forms()) == 10  # proof the second call read the file
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KHULASA_CACHE_DIR", str(blocker / "cache"))  # cannot be made: computed, not kept
    assert _arabic_stopword_forms() == computed


def test_stopwords_are_normalized() -> None:
    ar = stopwords("ar")
    assert "في" in ar and "الي" in ar and "إلى" not in ar
    assert "the" in stopwords("en")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("قال وزير الخارجية إن الاجتماع سيعقد في لندن يوم الخميس المقبل", "ar"),
     ("The foreign ministers of the coalition met in London on Thursday", "en"),
     ("123 456", "und"),
     ("Xkcd qwerty lorem ipsum dolor sit amet consectetur adipiscing", "und"),  # langdetect is not sure
     ("Les ministres de la coalition se sont réunis jeudi à Londres pour discuter de la campagne. " * 30, "fr"),
     # German has "in" and "was" among its words, which once made it English
     ("Die Minister der Koalition trafen sich am Donnerstag in London, und was sie beschlossen, "
      "blieb zunächst unklar. Die Gespräche sollen im Frühjahr weitergehen. " * 10, "de"),
     ("وزیر امور خارجه گفت که این نشست روز پنجشنبه در لندن برگزار می شود و چند کشور در آن شرکت خواهند کرد", "fa"),
     ("وزیر خارجہ نے کہا کہ یہ اجلاس جمعرات کو لندن میں ہوگا اور کئی ممالک اس میں شرکت کریں گے", "ur"),
     # Arabic typed on a Persian keyboard (ی, ک), and Arabic naming a foreign brand with گ
     ("قال وزیر الخارجیة إن الاجتماع سیعقد فی لندن یوم الخمیس المقبل بمشارکة عشرین دولة", "ar"),
     ("أعلنت شركة گوگل أنها ستفتح مكتبا جديدا في دبي خلال العام المقبل لخدمة عملائها في المنطقة", "ar"),
     ("The ministers of the coalition met in London on Thursday to discuss the campaign. " * 30, "en"),
     ("وقال الوزير في مؤتمر صحفي " * 40 + "The ministers of the coalition met in London on Thursday. " * 40, "en")],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@given(st.lists(st.lists(_NORMALIZE_ALPHABET | st.just("\x00"), max_size=80).map("".join), max_size=6),
       st.booleans())
@settings(max_examples=200, deadline=None)
def test_normalizing_many_texts_at_once_equals_one_by_one(texts: list[str], fold_ta: bool) -> None:
    # The joined pass must not let one text change another: joiners inside texts, NFKC of presentation forms.
    assert normalize_many(texts, fold_ta=fold_ta) == [normalize(t, fold_ta=fold_ta) for t in texts]


@given(st.text(alphabet=st.characters(max_codepoint=0x800) | st.sampled_from(["\U0001F600", "\uFEFB", "\u0700", "پ", "گ", "ے", "ی"]),
               max_size=300))
@settings(max_examples=200, deadline=None)
def test_script_counts_count_the_letters_the_patterns_define(text: str) -> None:
    from khulasa.text import _NOT_ARABIC_LETTERS

    expected = (sum(map(len, _ARABIC_LETTERS.findall(text))), sum(map(len, _LATIN_LETTERS.findall(text))),
                len(_NOT_ARABIC_LETTERS.findall(text)))
    assert script_counts(text) == expected


_ABBREVIATION_ALPHABET = list("دمأبتوا. ()«\"USetcaprofsXx")


@given(st.lists(st.sampled_from(_ABBREVIATION_ALPHABET)
                | st.sampled_from(["sept", "Prof", "corp", "etc", "U.S", "دبليو", "دابليو", "إف", " جورج", "سي", "آية"]),
                min_size=2, max_size=12).map("".join), st.data())
@settings(max_examples=400, deadline=None)
def test_a_period_after_a_plain_word_ends_no_abbreviation(line: str, data: st.DataObject) -> None:
    # The splitter skips the abbreviation and acronym rules there; they must agree.
    from khulasa.text import _ABBREVIATION_TAILS, _is_abbreviation, _is_acronym

    dots = [i for i, ch in enumerate(line) if ch == "." and i >= 4]
    if not dots:
        return
    dot = data.draw(st.sampled_from(dots))
    before = line[dot - 4:dot]
    if before.isalpha() and before.lower() not in _ABBREVIATION_TAILS:
        assert not _is_abbreviation(line, dot) and not _is_acronym(line, dot)


_SPLIT_ALPHABET = st.sampled_from([*"ab .…!?؟؛\"'”’»)]}wW.coCOmMrg/@", "www.", ".com", ".Org", "..."])


@given(st.lists(_SPLIT_ALPHABET, max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_splitter_patterns_match_as_their_definitions(line: str) -> None:
    # The fast forms of two splitter patterns against the plain ones they replace.
    import re

    from khulasa.text import _TERMINATOR, _protected_hint

    terminator = re.compile(r"(?:\.{2,}|…|[.!?؟؛])+[\"'”’»)\]}]*")
    assert [m.span() for m in _TERMINATOR.finditer(line)] == [m.span() for m in terminator.finditer(line)]
    hint = re.compile(r"www\.|\.(?:com|org|net|gov|edu|info|co)\b", re.IGNORECASE)
    assert _protected_hint(line) == bool(hint.search(line))


def test_the_word_lists_are_data_files_read_once() -> None:
    """Every lexicon file parses, its lists hold non-empty strings, and a second read is the same object."""
    from importlib import resources

    from khulasa.lexicon import lexicon

    files = sorted(p.name for p in resources.files("khulasa.lexicon").joinpath("ar").iterdir() if p.name.endswith(".toml"))
    assert {"clitics.toml", "months.toml", "numbers.toml", "names.toml", "reporting.toml", "demonstratives.toml",
            "page.toml"} <= set(files)
    for name in files:
        data = lexicon(name.removesuffix(".toml"))
        assert data and lexicon(name.removesuffix(".toml")) is data

        def strings(v: object) -> list[str]:
            if isinstance(v, str):
                return [v]
            if isinstance(v, dict):
                return [s for x in v.values() for s in strings(x)]
            if isinstance(v, list):
                return [s for x in v for s in strings(x)]
            return []

        assert all(s.strip() == s for s in strings(data)), name


_PACKED_TEXT = st.text(alphabet=st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهوية .،؟!؛\n\"«»0123456789٫ـًA3x")),
                       max_size=300)


@settings(max_examples=200, deadline=None)
@given(_PACKED_TEXT, _PACKED_TEXT.map(lambda t: t[:40]), st.sampled_from(["ar", "en"]))
def test_a_stored_analysis_reads_back_as_the_analysis(text: str, title: str, language: str) -> None:
    # A store keeps each article's analysis packed; a changed story's summary reads it back instead of
    # analysing again: it must be the analysis itself (glued terms "A330", "الـ11" included).
    from khulasa.model import Article
    from khulasa.text import analyse, pack_analysis, unpack_analysis

    art = Article(id="a", text=text, title=title, language=language)
    analysis = analyse(art)
    assert unpack_analysis(art, pack_analysis(analysis)) == analysis


def test_a_stored_analysis_of_the_examples_reads_back_and_refuses_what_is_not_one() -> None:
    import zlib

    from khulasa.ingest import read_articles
    from khulasa.model import Article
    from khulasa.text import analyse, pack_analysis, unpack_analysis

    from .conftest import EXAMPLES

    for art in read_articles([str(EXAMPLES)]).articles:
        packed = pack_analysis(analyse(art))
        assert unpack_analysis(art, packed) == analyse(art)
        for bad in (b"", b"junk", zlib.compress(b"[1, 2]"), zlib.compress(b'{"v": 99}'), packed[:-3]):
            with pytest.raises(ValueError):
                unpack_analysis(art, bad)
        with pytest.raises(ValueError):  # another text
            unpack_analysis(Article(id=art.id, text=art.text + " وأضاف.", title=art.title), packed)


@settings(max_examples=100, deadline=None)
@given(_PACKED_TEXT)
def test_search_keys_are_the_keys_of_each_token(text: str) -> None:
    from khulasa.text import search_keys, word_keys

    assert search_keys(text) == [k for t in tokenize(text) for k in word_keys(t)]


_GLUE_TEXT = st.lists(st.sampled_from([*"اب1٢ ـًa.،\n؟5", "\u064b", "A330", "الـ11", "2015م", "...", "3.5"]),
                      max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(_GLUE_TEXT)
def test_the_glued_test_is_its_definition(text: str) -> None:
    import re

    from khulasa.text import _GLUED, _GLUED_PAIRS

    assert bool(_GLUED.search(text)) == bool(re.search(_GLUED_PAIRS, text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_GLUE_TEXT, _PACKED_TEXT), max_size=4).map("".join), st.sampled_from(["ar", "en"]))
def test_each_sentence_holds_the_tokens_of_its_own_text(text: str, language: str) -> None:
    # The article is tokenized once and each sentence takes the tokens inside its span: they must be
    # WORD's tokens of the sentence's own text, with the terms as the sentence alone gives them.
    from khulasa.model import Article
    from khulasa.text import WORD, TokenMemo, _tokens_of, analyse

    analysis = analyse(Article(id="a", text=text, language=language))
    memo = TokenMemo()
    for s, t in zip(analysis.sentences, analysis.tokens, strict=True):
        found = list(WORD.finditer(s.text))
        texts = tuple(m.group() for m in found)
        alone = _tokens_of(s.text, [m.start() for m in found], [m.end() for m in found], texts, t.normalized, memo,
                           language, memo.learn(texts, language))
        assert t == alone


def test_a_sentence_edge_inside_a_token_gives_the_sentence_its_own_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    # No splitter rule cuts a token ("3.5", "A330") today; should one ever, the sentence is tokenized
    # on its own rather than given part of a token of the whole text.
    from khulasa import text as text_module
    from khulasa.model import Article, Sentence
    from khulasa.text import analyse

    body = "ارتفع المؤشر 3.5 في المئة"
    cut = body.index(".") + 1  # "... 3." | "5 في المئة"

    def split(t: str, article_id: str = "") -> list[Sentence]:
        return [Sentence(article_id, 0, 0, cut, t[:cut]), Sentence(article_id, 1, cut, len(t), t[cut:])]

    monkeypatch.setattr(text_module, "split_sentences", split)
    first, second = analyse(Article(id="a", text=body)).tokens
    assert first.text[-2:] == ("3", ".") and second.text[0] == "5"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["و", "ب", "ل", "ف", "ك", "ال", "لل", "وال", "بال", "ي", "ة", "كتاب"]), max_size=5).map("".join))
def test_clitics_are_stripped_as_the_longest_first_loop_strips_them(word: str) -> None:
    from khulasa.text import _proclitics, strip_clitics

    def by_definition(w: str) -> str:
        for c in _proclitics():
            if w.startswith(c) and len(w) - len(c) >= 3:
                return w[len(c):]
        return w

    assert strip_clitics(word) == by_definition(word)


def test_a_stored_analysis_of_other_analysis_code_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from khulasa import text as text_module
    from khulasa.model import Article
    from khulasa.text import analyse, pack_analysis, unpack_analysis

    art = Article(id="a", text="قال الوزير إن الاجتماع سيعقد غدا.", title="اجتماع")
    packed = pack_analysis(analyse(art))
    monkeypatch.setattr(text_module, "_analysis_version", lambda: "2:another")
    with pytest.raises(ValueError, match="this code"):
        unpack_analysis(art, packed)
