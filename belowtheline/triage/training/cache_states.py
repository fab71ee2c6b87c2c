"""Fill the encoding cache for the experiments in one encoder pass a text: the mean-pooled
layers `data.encode` reads (same file, same hash), and beside them each layer's max over
tokens (`data.encode_max`). Run once; `experiment.py` and `make eval` then start in seconds.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m belowtheline.triage.training.cache_states
"""

from __future__ import annotations

import sys
import time

import numpy as np

from belowtheline.triage import encoder
from belowtheline.triage.text import deobfuscate
from belowtheline.triage.training import data, train


def fill(texts: list[str], label: str, model: encoder.MiniLM) -> None:
    mean_path, max_path = data.cache_path(texts, label), data.cache_path(texts, label + "-max")
    if mean_path.exists() and max_path.exists():
        print(f"{label}: cached", flush=True)
        return
    mean = np.zeros((len(texts), 7, 384), np.float32)
    top = np.zeros((len(texts), 7, 384), np.float32)
    start = time.time()
    for i, text in enumerate(texts):
        if text.strip():
            states = model.token_states(deobfuscate(text))[0]  # (7, tokens, 384)
            mean[i] = states.mean(axis=1)
            top[i] = states[:, 1:-1].max(axis=1) if states.shape[1] > 2 else states.max(axis=1)
        if i % 500 == 499:
            print(f"{label}: {i + 1}/{len(texts)} in {time.time() - start:.0f} s", flush=True)
    np.save(mean_path, mean.astype(np.float16))
    np.save(max_path, top.astype(np.float16))
    print(f"{label}: {len(texts)} done in {time.time() - start:.0f} s", flush=True)


def main() -> int:
    model = encoder.shared_model()
    fox = data.fox()
    fill(fox.texts, "fox", model)
    fill(fox.prev, "fox-prev", model)
    fill(train.article_texts(fox), "fox-articles", model)
    which = sys.argv[1:] or ["civil", "davidson"]
    if "civil" in which:
        fill(data.civil().texts, "civil", model)
    if "davidson" in which:
        fill(data.davidson().texts, "davidson", model)
        fill(data.davidson_clean_rest(), "davidson-clean", model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
