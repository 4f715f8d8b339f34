"""Make the benchmark's GPT-2-small-shaped random checkpoint with transformers (never with lftf).

Usage: python make_checkpoint.py OUT_DIR CORPUS_TXT
The model has GPT-2 small's shape (124M parameters: 12 layers, d=768, 12 heads, vocab 50257,
1024 positions), random weights from a fixed seed, saved with `save_pretrained` as safetensors.
The tokenizer is a small byte-level BPE trained on CORPUS_TXT (the benchmark's own prompts, one
a line), so prompts tokenize to about as many tokens as they would with GPT-2's real tokenizer;
its ids are all < its own vocabulary size, far below the model's 50257.
"""
import json
import os
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

TOKENIZER_VOCAB = 2000


def byte_level_bpe(lines: list[str]) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=TOKENIZER_VOCAB, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    return tok


def main() -> None:
    out, corpus_path = sys.argv[1], sys.argv[2]
    lines = [l for l in open(corpus_path, encoding="utf-8").read().split("\n") if l]
    torch.manual_seed(0)
    tok = byte_level_bpe(lines)
    config = GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>",
                            bos_token="<|endoftext|>").save_pretrained(out)
    n_params = sum(p.numel() for p in model.parameters())
    json.dump({"ok": True, "parameters": n_params, "tokenizer_vocab": tok.get_vocab_size()},
              open(os.path.join(out, "DONE.json"), "w"))


if __name__ == "__main__":
    main()
