"""Make tiny random Hugging Face checkpoints and tokenizers for lftf's parity tests.

Independent reference: everything here is produced by transformers / tokenizers on PyTorch,
never by lftf. Usage: python make_checkpoints.py OUT_DIR
Writes OUT_DIR/{gpt2,llama,qwen2}/ with config.json, model.safetensors, tokenizer.json.
"""
import json
import os
import random
import sys

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM)

WORDS = ("the accountant nurse engineer teacher doctor pilot baker smiled laughed because "
         "office report deadline respected talent his her himself herself him they it was "
         "is a an and of to in on for with late early stayed finished everyone surprised "
         "drove work morning evening river mountain green blue quickly slowly number seven "
         "3 14 2025 café naïve über résumé 東京 😀 -- ... ! ? , ; : ' \" ( )").split()


def corpus(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        k = rng.randint(3, 14)
        lines.append(" ".join(rng.choice(WORDS) for _ in range(k)))
    return lines


def byte_level_bpe(vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(1, 3000), trainer)
    return tok


def metaspace_bpe(vocab_size: int) -> Tokenizer:
    # SentencePiece-style (Llama 2): byte fallback, "▁" for spaces, BOS added by the post-processor.
    # The corpus never contains "she", so " she" becomes several tokens (a chain-rule test case).
    tok = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = None
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                     decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials)
    lines = [l.replace("her", "their") for l in corpus(2, 3000)]
    tok.train_from_iterator(lines, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def save(model, tok: Tokenizer, out: str, **special) -> None:
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **special)
    fast.save_pretrained(out)


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    bl = byte_level_bpe(400)
    ms = metaspace_bpe(420)

    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=bl.get_vocab_size(), n_positions=64, n_embd=32,
                                      n_layer=3, n_head=4, bos_token_id=0, eos_token_id=0))
    save(gpt2.eval(), bl, f"{out}/gpt2", eos_token="<|endoftext|>", bos_token="<|endoftext|>")

    llama = LlamaForCausalLM(LlamaConfig(vocab_size=ms.get_vocab_size(), hidden_size=48,
                                         intermediate_size=96, num_hidden_layers=3,
                                         num_attention_heads=6, num_key_value_heads=2,
                                         max_position_embeddings=128, rope_theta=5000.0,
                                         tie_word_embeddings=False, bos_token_id=1,
                                         eos_token_id=2, rms_norm_eps=1e-5))
    save(llama.eval(), ms, f"{out}/llama", bos_token="<s>", eos_token="</s>", unk_token="<unk>")

    qwen = Qwen2ForCausalLM(Qwen2Config(vocab_size=bl.get_vocab_size(), hidden_size=32,
                                        intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2,
                                        max_position_embeddings=128, rope_theta=1000000.0,
                                        tie_word_embeddings=True, bos_token_id=0, eos_token_id=0))
    # Random init leaves the q/k/v biases at zero: give them values so the bias path is tested.
    with torch.no_grad():
        for layer in qwen.model.layers:
            for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                proj.bias.normal_(0.0, 0.5)
    save(qwen.eval(), bl, f"{out}/qwen2", eos_token="<|endoftext|>")
    json.dump({"ok": True}, open(f"{out}/DONE.json", "w"))


if __name__ == "__main__":
    main()
