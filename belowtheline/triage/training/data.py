"""The labelled sets (see ../shared/data/README.md for sources and licences) and an
on-disk cache of their encodings, so training and evaluation re-run in seconds.

Texts are kept in memory and on disk only as numbers (encodings) in the cache; nothing
here prints or logs a comment.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from belowtheline.triage import encoder
from belowtheline.triage.text import deobfuscate

FOX = "fox-news-comments-dev/fox-news-comments-dev.jsonl"
CIVIL = "toxic-spans-civil-comments"
DAVIDSON = "davidson-2017/labeled_data.csv"
CIVIL_NEGATIVES = 4000  # posts without an identity attack, sampled (seed 0)
DAVIDSON_SAMPLE = 2000  # tweets, sampled (seed 0): half for the insult head, half held out


def data_dir() -> Path:
    here = Path(__file__).resolve()
    default = here.parents[3].parent / "shared" / "data"
    return Path(os.environ.get("BTL_DATA_DIR", default))


def cache_dir() -> Path:
    base = Path(os.environ.get("BTL_VAR_DIR", Path(__file__).resolve().parents[3] / "var"))
    path = base / "triage-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Fox:
    texts: list[str]
    prev: list[str]
    labels: np.ndarray
    article: np.ndarray  # index into `articles`
    articles: list[tuple[str, str]]  # (title, meta)


def fox() -> Fox:
    rows = [json.loads(line) for line in (data_dir() / FOX).read_text().splitlines() if line]
    articles = sorted({(r["title"], r["meta"]) for r in rows})
    return Fox(
        texts=[r["text"] for r in rows],
        prev=[r["prev"] or "" for r in rows],
        labels=np.array([int(r["label"]) for r in rows]),
        article=np.array([articles.index((r["title"], r["meta"])) for r in rows]),
        articles=articles,
    )


@dataclass
class Civil:
    texts: list[str]
    identity_attack: np.ndarray  # a rater marked an "Identity based Attack" span
    insult: np.ndarray  # at least half the raters marked an Insult or Profane span
    clean_of_insult: np.ndarray  # no rater marked either
    held_out: np.ndarray  # one post in five, by id: never trained on


def civil() -> Civil:
    csv.field_size_limit(10**8)
    base = data_dir() / CIVIL
    with (base / "comments.csv").open(newline="") as f:
        posts = list(csv.DictReader(f))
    with (base / "annotations.csv").open(newline="") as f:
        annotations = list(csv.DictReader(f))
    owner = {a["annotation"]: a["comment_id"] for a in annotations}
    raters: dict[str, int] = {}
    for a in annotations:
        raters[a["comment_id"]] = raters.get(a["comment_id"], 0) + 1
    identity: set[str] = set()
    insulting: dict[str, set[str]] = {}
    with (base / "spans.csv").open(newline="") as f:
        for span in csv.DictReader(f):
            post = owner.get(span["annotation"])
            if post is None:
                continue
            if span["type"] == "Identity based Attack":
                identity.add(post)
            if span["type"] in ("Insult", "Profane/Obscene"):
                insulting.setdefault(post, set()).add(span["annotation"])
    positives = [p for p in posts if p["comment_id"] in identity]
    negatives = [p for p in posts if p["comment_id"] not in identity]
    random.Random(0).shuffle(negatives)
    chosen = positives + negatives[:CIVIL_NEGATIVES]
    ids = [p["comment_id"] for p in chosen]
    return Civil(
        texts=[p["comment_text"] for p in chosen],
        identity_attack=np.array([i in identity for i in ids]),
        insult=np.array([len(insulting.get(i, ())) * 2 >= raters.get(i, 1) for i in ids]),
        clean_of_insult=np.array([i not in insulting for i in ids]),
        held_out=np.array([int(hashlib.sha256(i.encode()).hexdigest(), 16) % 5 == 0
                           for i in ids]),
    )


@dataclass
class Davidson:
    texts: list[str]
    hate: np.ndarray  # majority "hate speech"
    offensive: np.ndarray  # majority "hate speech" or "offensive language"
    held_out: np.ndarray


def davidson() -> Davidson:
    with (data_dir() / DAVIDSON).open(newline="") as f:
        rows = list(csv.DictReader(f))
    random.Random(0).shuffle(rows)
    rows = rows[:DAVIDSON_SAMPLE]
    classes = np.array([int(r["class"]) for r in rows])
    return Davidson(
        texts=[html.unescape(r["tweet"]) for r in rows],
        hate=classes == 0,
        offensive=classes != 2,
        held_out=np.arange(len(rows)) >= len(rows) // 2,
    )


def davidson_clean_rest() -> list[str]:
    """Every "neither" tweet outside the sample above: clean text for the insult head's
    negative side (the Civil Comments posts were all rated toxic by someone)."""
    with (data_dir() / DAVIDSON).open(newline="") as f:
        rows = list(csv.DictReader(f))
    random.Random(0).shuffle(rows)
    return [html.unescape(r["tweet"]) for r in rows[DAVIDSON_SAMPLE:] if r["class"] == "2"]


def cache_path(texts: list[str], label: str) -> Path:
    """Where the encodings of these texts are cached: named by a hash of the texts."""
    digest = hashlib.sha256(("\x00".join(texts) + encoder.NAME + "/v1").encode()).hexdigest()[:20]
    return cache_dir() / f"{label}-{digest}.npy"


def encode_max(texts: list[str], label: str) -> np.ndarray:
    """Each layer's max over the tokens (n, 7, 384), as `cache_states` stored it."""
    path = cache_path(texts, label + "-max")
    if not path.exists():
        raise FileNotFoundError(f"{path}: run python -m belowtheline.triage.training.cache_states")
    return np.load(path).astype(np.float32)


def encode(texts: list[str], *, model: encoder.MiniLM | None = None,
           label: str = "texts") -> np.ndarray:
    """Pooled layers (n, 7, 384) of the de-obfuscated texts, as the worker computes them,
    cached on disk under a hash of the texts."""
    path = cache_path(texts, label)
    if path.exists():
        return np.load(path).astype(np.float32)
    model = model or encoder.shared_model()
    out = np.zeros((len(texts), 7, 384), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i] = model.layers([deobfuscate(text)], batch_size=1)[0] if text.strip() else 0.0
    out = out.astype(np.float16)
    np.save(path, out)
    return out.astype(np.float32)
