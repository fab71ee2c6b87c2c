"""Experiment: fine-tune the encoder's last layer (low-rank adapters) with the abuse head,
leave-one-article-out on the Fox dev half. Training only (jax, requirements-train.txt); if
it helped, the adapters (a few tens of KB) would ship and run in numpy.

Each fold starts from the shipped recipe's head fitted on that fold's training articles
(so step 0 is the 0.72 baseline) and trains rank-R adapters on the last layer's four
matrices plus the head, on the fold's Fox comments and a sample of Civil Comments
identity-attack posts at a small weight. Settings are fixed before the run (no tuning on
the scored article): 3 epochs, Adam 1e-3, rank 8.

Measured (2026-12-04): step 0 (the recipe's head on a 2,000-post Civil sample) 0.718;
after epochs 1, 2, 3: 0.712, 0.704, 0.720 (per article it gained on three, lost on two).
No gain, so nothing of it ships and jax is not in requirements-train.txt; to rerun it,
`.venv/bin/pip install jax==0.10.2 jaxlib==0.10.2` first (CPU wheels, ~100 MB).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m belowtheline.triage.training.finetune
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from belowtheline.triage import encoder
from belowtheline.triage.text import deobfuscate
from belowtheline.triage.training import data, train

CIVIL_SAMPLE = 2000
RANK = int(os.environ.get("RANK", 8))
EPOCHS = int(os.environ.get("EPOCHS", 3))
LR = float(os.environ.get("LR", 1e-3))
CIVIL_W = float(os.environ.get("CIVIL_W", train.CIVIL_WEIGHT))


def penultimate(texts: list[str], label: str) -> list[np.ndarray]:
    """Token states entering the last layer (tokens, 384) per text, cached."""
    path = data.cache_path(texts, label + "-penultimate").with_suffix(".npz")
    if path.exists():
        with np.load(path) as z:
            return [z[f"a{i}"].astype(np.float32) for i in range(len(texts))]
    model = encoder.shared_model()
    out = []
    for text in texts:
        clean = deobfuscate(text)
        states = model.token_states(clean if clean.strip() else ".")[0]
        out.append(states[5].astype(np.float16))
    np.savez(path, **{f"a{i}": a for i, a in enumerate(out)})
    return [a.astype(np.float32) for a in out]


def main() -> int:
    import jax
    import jax.numpy as jnp

    fox = data.fox()
    civil = data.civil()
    t = data.encode(fox.texts, label="fox")
    p = data.encode(fox.prev, label="fox-prev")
    c_all = data.encode(civil.texts, label="civil")
    rng = np.random.RandomState(0)
    tr_idx = np.flatnonzero(~civil.held_out)
    pos = tr_idx[civil.identity_attack[tr_idx]]
    neg = tr_idx[~civil.identity_attack[tr_idx]]
    pick = np.r_[rng.choice(pos, CIVIL_SAMPLE // 2, replace=False),
                 rng.choice(neg, CIVIL_SAMPLE // 2, replace=False)]
    c_texts = [civil.texts[i] for i in pick]
    c_states, c_y = c_all[pick], civil.identity_attack[pick]
    start = time.time()
    fox_pen = penultimate(fox.texts, "fox")
    civ_pen = penultimate(c_texts, "civil-sample")
    print(f"penultimate states in {time.time() - start:.0f} s", flush=True)

    model = encoder.shared_model()
    w, tt = model.w, model.t
    pre = "encoder.layer.5."
    base = {
        "qkv_w": model.qkv[5][0], "qkv_b": model.qkv[5][1],
        "ao_w": tt[pre + "attention.output.dense.weight"],
        "ao_b": w[pre + "attention.output.dense.bias"],
        "ln1_w": w[pre + "attention.output.LayerNorm.weight"],
        "ln1_b": w[pre + "attention.output.LayerNorm.bias"],
        "in_w": tt[pre + "intermediate.dense.weight"], "in_b": w[pre + "intermediate.dense.bias"],
        "out_w": tt[pre + "output.dense.weight"], "out_b": w[pre + "output.dense.bias"],
        "ln2_w": w[pre + "output.LayerNorm.weight"], "ln2_b": w[pre + "output.LayerNorm.bias"],
    }
    base = {k: jnp.asarray(v) for k, v in base.items()}
    heads_n = model.heads

    def ln(x, g, b):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / jnp.sqrt(v + 1e-12) * g + b

    def gelu(x):
        return 0.5 * x * (1.0 + jnp.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))

    def last_layer(lora, x, mask):
        n, length, _ = x.shape
        d = 384 // heads_n

        def mm(z, name):
            return z @ base[name + "_w"] + (z @ lora[name + "_a"]) @ lora[name + "_b"] \
                + base[name + "_b"]
        qkv = mm(x, "qkv")
        q, k, v = jnp.split(qkv, 3, axis=-1)
        q = q.reshape(n, length, heads_n, d).transpose(0, 2, 1, 3)
        k = k.reshape(n, length, heads_n, d).transpose(0, 2, 3, 1)
        v = v.reshape(n, length, heads_n, d).transpose(0, 2, 1, 3)
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        s = jax.nn.softmax((q @ k) / np.sqrt(d) + bias, axis=-1)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(n, length, 384)
        x = ln(mm(ctx, "ao") + x, base["ln1_w"], base["ln1_b"])
        h = gelu(mm(x, "in"))
        x = ln(mm(h, "out") + x, base["ln2_w"], base["ln2_b"])
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / jnp.maximum(jnp.linalg.norm(pooled, axis=-1, keepdims=True), 1e-9)

    def logits(params, x, mask, fixed):
        top = last_layer(params["lora"], x, mask)
        feats = jnp.concatenate([fixed[:, : 6 * 384], top, fixed[:, 7 * 384:]], axis=1)
        return ((feats - params["mean"]) / params["scale"]) @ params["w"] + params["b"]

    def loss(params, x, mask, fixed, y, weight, init_w):
        z = logits(params, x, mask, fixed)
        bce = jnp.logaddexp(0.0, z) - y * z
        pull = 1.0 / train.ABUSE_C * 0.5 * jnp.sum((params["w"] - init_w) ** 2) / 750.0
        return (bce * weight).sum() / weight.sum() + pull

    grad_fn = jax.jit(jax.value_and_grad(loss))
    predict = jax.jit(logits)
    shapes = {"qkv": (384, 1152), "ao": (384, 384), "in": (384, 1536), "out": (1536, 384)}

    has_prev = np.array([bool(x.strip()) for x in fox.prev])
    fox_fixed = train.abuse_matrix(t, p[:, -1], has_prev)
    civ_fixed = train.civil_features(c_states)

    def batches(pen, idx, size=16):
        idx = sorted(idx, key=lambda i: len(pen[i]))
        for s0 in range(0, len(idx), size):
            chunk = idx[s0:s0 + size]
            length = int(np.ceil(max(len(pen[i]) for i in chunk) / 16) * 16)
            x = np.zeros((size, length, 384), np.float32)
            mask = np.zeros((size, length), np.float32)
            for r, i in enumerate(chunk):
                x[r, : len(pen[i])] = pen[i]
                mask[r, : len(pen[i])] = 1.0
            for r in range(len(chunk), size):
                mask[r, 0] = 1.0
            yield chunk, x, mask

    scores0 = np.zeros(len(fox.labels))
    scores = {e: np.zeros(len(fox.labels)) for e in range(1, EPOCHS + 1)}
    for art in range(len(fox.articles)):
        test = fox.article == art
        head = train.fit_abuse(fox_fixed[~test], fox.labels[~test], civ_fixed, c_y)
        scores0[test] = head.logit(fox_fixed[test])
        key = jax.random.PRNGKey(art)
        lora = {}
        for name, (i, o) in shapes.items():
            key, sub = jax.random.split(key)
            lora[name + "_a"] = jax.random.normal(sub, (i, RANK)) * 0.01
            lora[name + "_b"] = jnp.zeros((RANK, o))
        params = {"lora": lora, "w": jnp.asarray(head.weights), "b": jnp.asarray(head.bias),
                  "mean": jnp.asarray(head.mean), "scale": jnp.asarray(head.scale)}
        init_w = params["w"]
        train_rows = [("fox", i) for i in np.flatnonzero(~test)] + \
                     [("civ", i) for i in range(len(c_texts))]
        pos_w = 0.5 / fox.labels[~test].mean()
        neg_w = 0.5 / (1 - fox.labels[~test].mean())
        m_state = {k: jax.tree_util.tree_map(jnp.zeros_like, params) for k in ("m", "v")}
        step = 0
        trainable = ("lora", "w", "b")
        for epoch in range(1, EPOCHS + 1):
            began = time.time()
            order = rng.permutation(len(train_rows))
            # Fox and Civil rows each batched by length, batches shuffled together.
            fox_rows = [train_rows[k][1] for k in order if train_rows[k][0] == "fox"]
            civ_rows = [train_rows[k][1] for k in order if train_rows[k][0] == "civ"]
            work = [("fox", b) for b in batches(fox_pen, fox_rows)] + \
                   [("civ", b) for b in batches(civ_pen, civ_rows)]
            rng.shuffle(work)
            total = 0.0
            for kind, (chunk, x, mask) in work:
                n = len(chunk)
                fixed = np.zeros((16, fox_fixed.shape[1]), np.float32)
                y = np.zeros(16, np.float32)
                weight = np.zeros(16, np.float32)
                if kind == "fox":
                    fixed[:n] = fox_fixed[chunk]
                    y[:n] = fox.labels[chunk]
                    weight[:n] = np.where(y[:n] > 0, pos_w, neg_w)
                else:
                    fixed[:n] = civ_fixed[chunk]
                    y[:n] = c_y[chunk]
                    weight[:n] = CIVIL_W
                value, grads = grad_fn(params, x, mask, fixed, y, weight, init_w)
                total += float(value)
                step += 1
                for k in trainable:
                    g = grads[k]
                    m_state["m"][k] = jax.tree_util.tree_map(
                        lambda m, g: 0.9 * m + 0.1 * g, m_state["m"][k], g)
                    m_state["v"][k] = jax.tree_util.tree_map(
                        lambda v, g: 0.999 * v + 0.001 * g * g, m_state["v"][k], g)
                    lr = LR if k == "lora" else LR * 0.1
                    params[k] = jax.tree_util.tree_map(
                        lambda p_, m, v, lr=lr, step=step: p_ - lr * (m / (1 - 0.9 ** step))
                        / (jnp.sqrt(v / (1 - 0.999 ** step)) + 1e-8),
                        params[k], m_state["m"][k], m_state["v"][k])
            out = np.zeros(test.sum())
            where = {i: r for r, i in enumerate(np.flatnonzero(test))}
            for chunk, x, mask in batches(fox_pen, list(np.flatnonzero(test))):
                fixed = np.zeros((16, fox_fixed.shape[1]), np.float32)
                fixed[: len(chunk)] = fox_fixed[chunk]
                z = np.asarray(predict(params, x, mask, fixed))
                for r, i in enumerate(chunk):
                    out[where[i]] = z[r]
            scores[epoch][test] = out
            print(f"article {art} epoch {epoch}: loss {total / len(work):.3f}, AUC "
                  f"{_auc(fox.labels[test], out):.3f} (step 0: "
                  f"{_auc(fox.labels[test], scores0[test]):.3f}) {time.time() - began:.0f} s",
                  flush=True)
    print(f"baseline {_auc(fox.labels, scores0):.3f}; " + "; ".join(
        f"epoch {e}: {_auc(fox.labels, s):.3f}" for e, s in scores.items()), flush=True)
    return 0


def _auc(y, s) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


if __name__ == "__main__":
    sys.exit(main())
