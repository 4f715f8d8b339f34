"""The benchmark's reference side: transformers + PyTorch on the CPU, written the way a careful
researcher would write each workload, independently of lftf.

A worker for bench/run.ts (line protocol in bench/protocol.ts): one JSON request per stdin line,
one reply per stdout line that starts with "@@bench ". Each workload is a class with
prepare (untimed) / run (timed) / summarize (untimed), registered in WORKLOADS under the same id
as its TypeScript half in bench/workloads.ts.
"""
import json
import math
import os
import platform
import resource
import sys
import time
import traceback

MARK = "@@bench "

import numpy as np

torch = None  # imported in `init`, after the thread settings are known
model = None
tok = None


class ForwardWorkload:
    """W0: `model(input_ids)` under torch.no_grad(), full logits."""

    def __init__(self, inp):
        self.input_ids = torch.tensor(inp["ids"], dtype=torch.long)
        self.cols = inp["fingerprintColumns"]

    def run(self, warmup):
        with torch.no_grad():
            logits = model(self.input_ids).logits
        float(logits[-1, -1, 0])  # the same one-value read-back as our side
        return logits

    def summarize(self, logits):
        return logits[:, -1, : self.cols].reshape(-1).tolist()


class ScoringWorkload:
    """W1: P(" he" | prompt) and P(" she" | prompt) by the chain rule over the continuation's tokens.

    Every (prompt, pronoun) pair is its own full sequence (prompt + continuation); sequences are
    batched in data order, right-padded, with an attention mask; log_softmax over the full logits.
    """

    def __init__(self, inp):
        self.prompts = inp["prompts"]
        self.words = [inp["pronouns"]["male"], inp["pronouns"]["female"]]
        self.batch_size = inp["batchSize"]
        self.pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def score(self, prompts):
        seqs = []  # (token ids of prompt + continuation, index of the first continuation token)
        for p in prompts:
            ctx = tok(p)["input_ids"]
            for w in self.words:
                full = tok(p + " " + w)["input_ids"]
                k = 0
                while k < min(len(ctx), len(full)) and ctx[k] == full[k]:
                    k += 1
                seqs.append((full, k))
        logps = []
        for i in range(0, len(seqs), self.batch_size):
            chunk = seqs[i : i + self.batch_size]
            width = max(len(s) for s, _ in chunk)
            input_ids = torch.full((len(chunk), width), self.pad, dtype=torch.long)
            attention_mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for b, (s, _) in enumerate(chunk):
                input_ids[b, : len(s)] = torch.tensor(s)
                attention_mask[b, : len(s)] = 1
            with torch.no_grad():
                logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
                logp = torch.log_softmax(logits, dim=-1)
            for b, (s, k) in enumerate(chunk):
                logps.append(sum(float(logp[b, j - 1, s[j]]) for j in range(k, len(s))))
        return [[math.exp(logps[2 * i]), math.exp(logps[2 * i + 1])] for i in range(len(prompts))]

    def run(self, warmup):
        # Warm-up scores a few prompts (one batch), as our side does.
        return self.score(self.prompts[: (self.batch_size + 1) // 2] if warmup else self.prompts)

    def summarize(self, scores):
        return scores


# ---------------------------------------------------------------------------------------------
# LFTF (W2-W4): the loss of METHOD.md "Ours: the LFTF loss", written the plain way: a full forward
# pass from the embeddings per step, requires_grad only on the trained block(s), one sequence per
# (prompt, pronoun), full logits + log_softmax, Adam on the trained block(s) only.

def blocks_of(m):
    base = m.base_model
    return base.h if hasattr(base, "h") else base.layers


def encode_request(context, continuation):
    """(token ids of context + continuation, index of the first continuation token), with the
    lm-evaluation-harness conventions (trailing spaces move to the continuation; BOS in front of an
    empty context)."""
    trimmed = context.rstrip(" ")
    if len(trimmed) != len(context):
        continuation = context[len(trimmed):] + continuation
        context = trimmed
    ctx = tok(context)["input_ids"] if context else []
    whole = tok(context + continuation)["input_ids"]
    k = 0
    while k < min(len(ctx), len(whole)) and ctx[k] == whole[k]:
        k += 1
    if k == 0:
        bos = tok.bos_token_id if tok.bos_token_id is not None else (tok.eos_token_id or 0)
        whole, k = [bos] + whole, 1
    return whole, k


def pad_batch(seqs):
    pad = tok.pad_token_id if tok.pad_token_id is not None else (tok.eos_token_id or 0)
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, : len(s)] = torch.tensor(s)
        mask[b, : len(s)] = 1
    return ids, mask


class RequestBatch:
    """Continuation requests as one padded batch: one full sequence per request."""

    def __init__(self, pairs):
        seqs, q_seq, q_pos, q_tgt, q_req = [], [], [], [], []
        for r, (context, cont) in enumerate(pairs):
            whole, k = encode_request(context, cont)
            for j in range(k, len(whole)):
                q_seq.append(len(seqs)); q_pos.append(j - 1); q_tgt.append(whole[j]); q_req.append(r)
            seqs.append(whole)
        self.n = len(pairs)
        self.ids, self.mask = pad_batch(seqs)
        self.q = [torch.tensor(x, dtype=torch.long) for x in (q_seq, q_pos, q_tgt, q_req)]

    def logprobs(self):
        logits = model(input_ids=self.ids, attention_mask=self.mask).logits
        logp = torch.log_softmax(logits, dim=-1)
        q_seq, q_pos, q_tgt, q_req = self.q
        tok_lp = logp[q_seq, q_pos, q_tgt]
        return torch.zeros(self.n, dtype=tok_lp.dtype).index_add(0, q_req, tok_lp)


def pronoun_batch(prompts):
    return RequestBatch([(p, " " + w) for p in prompts for w in ("he", "she")])


def keep_ids(text):
    return tok(text)["input_ids"][: model.config.max_position_embeddings if hasattr(model.config, "max_position_embeddings") else model.config.n_positions]


class StepChunk:
    """One step's data (16 bias, 16 hint, 16 keep) with the starting model's P0 targets."""

    def __init__(self, sd):
        self.bias = pronoun_batch(sd["bias"])
        self.hint = pronoun_batch([p for p, _ in sd["hint"]])
        self.male = torch.tensor([1.0 if h == "male" else 0.0 for _, h in sd["hint"]])
        seqs = [s for s in (keep_ids(t) for t in sd["keep"]) if len(s) > 1]
        self.keep = pad_batch(seqs) if seqs else None
        with torch.no_grad():
            self.bias_mass0 = torch.logsumexp(self.bias.logprobs().view(-1, 2), 1)
            self.hint_mass0 = torch.logsumexp(self.hint.logprobs().view(-1, 2), 1)
            if self.keep is not None:
                self.keep_logp0 = torch.log_softmax(model(input_ids=self.keep[0], attention_mask=self.keep[1]).logits, dim=-1)

    def terms(self, w):
        b = self.bias.logprobs().view(-1, 2)
        h = self.hint.logprobs().view(-1, 2)
        fair = ((b[:, 0].exp() - b[:, 1].exp()) ** 2).mean()
        hinted = h[:, 0] * self.male + h[:, 1] * (1 - self.male)
        h_mass = torch.logsumexp(h, 1)
        hint = -(hinted - h_mass).mean()
        b_mass = torch.logsumexp(b, 1)
        mass = torch.cat([(b_mass - self.bias_mass0) ** 2, (h_mass - self.hint_mass0) ** 2]).mean()
        if self.keep is not None:
            ids, mask = self.keep
            logp = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits, dim=-1)
            kl = (self.keep_logp0.exp() * (self.keep_logp0 - logp)).sum(-1)
            keep = (kl * mask).sum() / mask.sum()
        else:
            keep = torch.zeros(())
        loss = fair + w["hint"] * hint + w["mass"] * mass + w["keep"] * keep
        return loss, [fair, hint, mass, keep]


class Trainer:
    def __init__(self, steps, weights, lr, n_chunks):
        self.chunks = [StepChunk(sd) for sd in steps[:n_chunks]]
        self.w, self.lr = weights, lr

    def start(self, block_ids):
        params = [p for b in block_ids for p in blocks_of(model)[b].parameters()]
        for p in model.parameters():
            p.requires_grad_(False)
        for p in params:
            p.requires_grad_(True)
        # tf.train.adam's epsilon (1e-7) so that both sides take the same steps.
        return torch.optim.Adam(params, lr=self.lr, eps=1e-7)

    def step(self, opt, s):
        opt.zero_grad(set_to_none=True)
        loss, terms = self.chunks[s % len(self.chunks)].terms(self.w)
        loss.backward()
        opt.step()
        return [float(loss)] + [float(t) for t in terms]  # logged each step, as ours does

    def train(self, block_ids, steps, on_step=None):
        opt = self.start(block_ids)
        for s in range(steps):
            self.step(opt, s)
            if on_step:
                on_step(s + 1)


def block_state(block_ids):
    return [p.detach().clone() for b in block_ids for p in blocks_of(model)[b].parameters()]


def load_block_state(block_ids, state):
    with torch.no_grad():
        for p, v in zip([p for b in block_ids for p in blocks_of(model)[b].parameters()], state):
            p.copy_(v)


def request_logprobs(pairs, batch=64):
    """log P(continuation | context) per request, no gradient, batches of `batch` sequences."""
    out = []
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            out.append(RequestBatch(pairs[i : i + batch]).logprobs())
    return torch.cat(out) if out else torch.zeros(0)


def pronoun_probs(prompts):
    return request_logprobs([(p, " " + w) for p in prompts for w in ("he", "she")]).view(-1, 2).exp()


def perplexity(texts, batch=32):
    seqs = [s for s in (tok(t)["input_ids"] for t in texts) if len(s) > 1]
    nll, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(seqs), batch):
            ids, mask = pad_batch(seqs[i : i + batch])
            logp = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits[:, :-1], dim=-1)
            tgt = logp.gather(-1, ids[:, 1:, None])[..., 0]
            m = mask[:, 1:].float()
            nll -= float((tgt * m).sum())
            count += int(m.sum())
    return math.exp(nll / count)


def dev_metrics(bias_prompts, hint_prompts, texts):
    pb = pronoun_probs([p["prompt"] for p in bias_prompts])
    ph = pronoun_probs([p["prompt"] for p in hint_prompts])
    f = torch.tensor([1.0 if p["hint"] == "male" else -1.0 for p in hint_prompts])
    return {"afgb": float((pb[:, 0] - pb[:, 1]).abs().mean()), "ub": float((f * (ph[:, 0] - ph[:, 1])).mean()),
            "ppl": perplexity(texts)}


class StepWorkload:
    """W2: one LFTF step on block b, full forward pass from the embeddings."""

    def __init__(self, inp):
        self.block = inp["block"]
        self.per_run = inp["stepsPerRun"]
        self.trainer = Trainer(inp["steps"], inp["weights"], inp["lr"], len(inp["steps"]))
        self.snap = block_state([self.block])
        self.opt = self.trainer.start([self.block])
        self.s = 0

    def run(self, warmup):
        first = None
        for _ in range(self.per_run):
            terms = self.trainer.step(self.opt, self.s)
            self.s += 1
            first = first or terms
        return first

    def summarize(self, terms):
        return terms

    def close(self):
        load_block_state([self.block], self.snap)


class BmiWorkload:
    """W3: exact BMI: per block, K steps on that block alone, one dev evaluation, restore."""

    def __init__(self, inp):
        self.inp = inp
        self.trainer = Trainer(inp["steps"], inp["weights"], inp["lr"], inp["K"])

    def run(self, warmup):
        i = self.inp
        dev = lambda: dev_metrics(i["devBias"], i["devHint"], i["devTexts"])
        base = dev()
        scores = []
        for b in range(len(blocks_of(model))):
            snap = block_state([b])
            self.trainer.train([b], i["K"])
            m = dev()
            scores.append((base["afgb"] - m["afgb"]) / base["afgb"] if base["afgb"] > 0 else 0.0)
            load_block_state([b], snap)
        return scores

    def summarize(self, scores):
        return scores


def bootstrap(values, resamples, rng, groups=None):
    v = np.asarray(values, dtype=np.float64)
    idx = rng.integers(0, len(v), size=(resamples, len(v)))
    means = v[idx].mean(1)
    return float(v.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


class DemoWorkload:
    """W4: the demo pipeline (eval, exact BMI, tune the top block, re-eval, baselines)."""

    def __init__(self, inp):
        self.inp = inp
        self.trainer = Trainer(inp["steps"], inp["weights"], inp["lr"], max(inp["bmiSteps"], inp["tuneSteps"]))
        self.original = [p.detach().clone() for p in model.parameters()]

    def general(self):
        i = self.inp
        rng = np.random.default_rng(0)
        pb = pronoun_probs([p["prompt"] for p in i["testBias"]]).numpy()
        ph = pronoun_probs([p["prompt"] for p in i["testHint"]]).numpy()
        f = np.array([1.0 if p["hint"] == "male" else -1.0 for p in i["testHint"]])
        diff = pb[:, 0] - pb[:, 1]
        metrics = {name: bootstrap(vals, i["resamples"], rng) for name, vals in [
            ("afgb", np.abs(diff)), ("ub", f * (ph[:, 0] - ph[:, 1])), ("mass", pb.sum(1)), ("signed", diff),
            ("afgb_norm", np.abs(diff) / pb.sum(1))]}
        by_prof = {}
        for p, d in zip(i["testBias"], diff):
            by_prof.setdefault(p["profession"], []).append(d)
        by_prof = {k: (float(np.mean(v)), float(np.mean(np.abs(v)))) for k, v in by_prof.items()}
        mc = i["mc"]
        lp = request_logprobs([(it["context"], c) for it in mc for c in it["continuations"]]).tolist()
        correct, k = 0, 0
        for it in mc:
            n = len(it["continuations"])
            scores = lp[k : k + n]
            k += n
            correct += int(int(np.argmax(scores)) == it["gold"])
        return {"afgb": metrics["afgb"][0], "ub": metrics["ub"][0], "mass": metrics["mass"][0],
                "ppl": perplexity(i["testTexts"]), "mc": correct / len(mc), "by_profession": by_prof}

    def run(self, warmup):
        i = self.inp
        L = len(blocks_of(model))
        dev = lambda: dev_metrics(i["devBias"], i["devHint"], i["devTexts"])
        before = self.general()
        base = dev()
        bmi = []
        for b in range(L):
            snap = block_state([b])
            self.trainer.train([b], i["bmiSteps"])
            m = dev()
            bmi.append((base["afgb"] - m["afgb"]) / base["afgb"] if base["afgb"] > 0 else 0.0)
            load_block_state([b], snap)
        top = min(range(L), key=lambda b: (-bmi[b], b))
        lowest = min(range(L), key=lambda b: (bmi[b], b))
        ub0 = base["ub"]

        def within(m):
            ub_ok = m["ub"] >= ((1 - i["ubTolerance"]) * ub0 if ub0 >= 0 else (1 + i["ubTolerance"]) * ub0)
            return ub_ok and m["ppl"] <= (1 + i["pplTolerance"]) * base["ppl"]

        def tune(blocks):
            with torch.no_grad():
                for p, v in zip(model.parameters(), self.original):
                    p.copy_(v)
            initial = block_state(blocks)
            best = {"afgb": None, "state": None}

            def on_step(s):
                if s % i["evalEvery"] == 0 or s == i["tuneSteps"]:
                    m = dev()
                    if within(m) and (best["afgb"] is None or m["afgb"] < best["afgb"]):
                        best["afgb"], best["state"] = m["afgb"], block_state(blocks)

            self.trainer.train(blocks, i["tuneSteps"], on_step)
            load_block_state(blocks, best["state"] if best["state"] is not None else initial)
            return self.general()

        done = {}

        def run_one(blocks):
            key = tuple(sorted(blocks))
            if key not in done:
                done[key] = tune(list(key))
            return done[key]

        after = run_one([top])
        tuned = [p.detach().clone() for p in model.parameters()]
        configs = ([list(range(L)), [L - 1], [lowest]] + [[b] for b in i["randomBlocks"]]) if i["baselines"] else []
        baselines = [run_one(c)["afgb"] for c in configs]
        with torch.no_grad():
            for p, v in zip(model.parameters(), tuned):
                p.copy_(v)
        return [top, before["afgb"], after["afgb"], baselines]

    def summarize(self, r):
        return r[:3]

    def release(self):
        with torch.no_grad():
            for p, v in zip(model.parameters(), self.original):
                p.copy_(v)


WORKLOADS = {"w0-forward": ForwardWorkload, "w1-score": ScoringWorkload,
             "w2-step-first": StepWorkload, "w2-step-mid": StepWorkload, "w2-step-last": StepWorkload,
             "w3-bmi": BmiWorkload, "w4-demo": DemoWorkload}

sessions = {}


def init(req):
    global torch
    threads = int(req["threads"])
    import torch as _torch  # noqa: E402  (after the environment is set by the runner)

    torch = _torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    import transformers

    blas = "unknown"
    for line in torch.__config__.show().splitlines():
        if "BLAS_INFO=" in line:
            blas = line.split("BLAS_INFO=")[1].split(",")[0]
    return {"info": {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "intraOpThreads": torch.get_num_threads(),
        "interOpThreads": torch.get_num_interop_threads(),
        "blas": blas,
        "cpuCapability": torch.backends.cpu.get_cpu_capability(),
    }}


def load(req):
    global model, tok
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(req["model"], dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(req["model"])
    ms = (time.perf_counter() - t0) * 1000
    return {"ms": ms, "info": {
        "parameters": sum(p.numel() for p in model.parameters()),
        "attention": getattr(model.config, "_attn_implementation", None),
    }}


def handle(req):
    cmd = req["cmd"]
    if cmd == "init":
        return init(req)
    if cmd == "load":
        return load(req)
    if cmd == "prepare":
        sessions[req["workload"]] = WORKLOADS[req["workload"]](req["input"])
        return {}
    if cmd == "run":
        s = sessions[req["workload"]]
        t0 = time.perf_counter()
        result = s.run(bool(req.get("warmup")))
        ms = (time.perf_counter() - t0) * 1000
        out = s.summarize(result) if req.get("collect") else None
        del result
        if hasattr(s, "release"):
            s.release()
        return {"ms": ms, "output": out}
    if cmd == "finish":
        s = sessions.pop(req["workload"], None)
        if hasattr(s, "close"):
            s.close()
        return {}
    if cmd == "stats":
        return {"peakRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "rssKb": int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024}
    raise ValueError(f"unknown command {cmd}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        try:
            reply = {"ok": True, **handle(req)}
        except Exception:  # reported to the runner, which names the failing side
            reply = {"ok": False, "error": traceback.format_exc()}
        sys.stdout.write(MARK + json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
