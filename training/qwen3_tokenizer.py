"""A small byte-level BPE tokenizer in Qwen2/Qwen3's file format, for the Qwen3 diffusion stand-ins.

The real Qwen3 `tokenizer.json` (151,669 ids) is not in the repository, so the stand-ins carry one
built the same way from files that are: merges learned on `data/text/heldout.txt` (ASCII
Shakespeare), GPT-2's byte alphabet as ids 0-255, Qwen2's pre-tokenizer split regex + ByteLevel,
NFC normalizer, ByteLevel post-processor and decoder, and Qwen3's added tokens (`<|endoftext|>`,
`<|im_start|>`, `<|im_end|>`, ... `<think>`, `</think>`) followed by the diffusion mask token, with
the roles Tiny-A2D's tokenizer gives them: eos `<|im_end|>`, pad `<|endoftext|>`, mask `<|mask|>`,
a ChatML `chat_template` in tokenizer_config.json.

`special_base` places the added tokens: right after the merges (the small stand-ins), or at
Qwen3's own ids (151643 ..., mask 151669) with a gap before them (the full-size stand-in), so that
every special id equals the real model's.
"""
from __future__ import annotations

import collections
import json
import re
from pathlib import Path

# Qwen2's split regex (transformers' tokenization_qwen2.PRETOKENIZE_REGEX), written into
# tokenizer.json for the runtime. Learning merges below uses its ASCII form (Python's `re` has no
# \p{L}); the learning text is ASCII, where both split alike.
QWEN2_SPLIT_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                     r"|\s*[\r\n]+|\s+(?!\S)|\s+")
ASCII_SPLIT = re.compile(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]+[\r\n]*"
                         r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# Qwen3's added tokens from id 151643 on, in order (Qwen/Qwen3-0.6B tokenizer_config.json);
# the tool-call and think tags are not special there.
QWEN3_ADDED = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True), ("<|box_start|>", True), ("<|box_end|>", True), ("<|quad_start|>", True),
    ("<|quad_end|>", True), ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", False), ("<|fim_middle|>", False), ("<|fim_suffix|>", False), ("<|fim_pad|>", False),
    ("<|repo_name|>", False), ("<|file_sep|>", False), ("<tool_response>", False), ("</tool_response>", False),
    ("<think>", False), ("</think>", False),
]
MASK_TOKEN = "<|mask|>"  # the id after Qwen3's added tokens: 151669 in Tiny-A2D
QWEN3_SPECIAL_BASE = 151643

CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map; its order is the order of ids 0-255."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def learn_merges(text: str, n_merges: int) -> list[tuple[str, str]]:
    """Byte-level BPE merges, most frequent pair first (ties: the pair seen first), over the words of
    Qwen2's split."""
    if not text.isascii():
        raise ValueError("learn_merges: the learning text must be ASCII (the split regex is its ASCII form)")
    table = bytes_to_unicode()
    words = collections.Counter("".join(table[b] for b in w.encode("utf-8")) for w in ASCII_SPLIT.findall(text))
    seqs = {w: list(w) for w in words}
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        pairs: collections.Counter = collections.Counter()
        for w, count in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: kv[1])[0]  # Counter keeps insertion order: ties go to the first seen
        merges.append(best)
        joined = best[0] + best[1]
        for w in seqs:
            s, out, i = seqs[w], [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == best[0] and s[i + 1] == best[1]:
                    out.append(joined)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


def added_token(content: str, token_id: int, special: bool) -> dict:
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": special}


def build(merges: list[tuple[str, str]], special_base: int) -> tuple[dict, dict]:
    """(tokenizer.json, tokenizer_config.json) objects. `special_base` is the id of <|endoftext|>."""
    table = bytes_to_unicode()
    vocab = {ch: i for i, ch in enumerate(table.values())}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    if special_base < len(vocab):
        raise ValueError(f"special_base {special_base} is below the BPE vocabulary ({len(vocab)} ids)")
    added = [added_token(text, special_base + i, special) for i, (text, special) in enumerate(QWEN3_ADDED)]
    added.append(added_token(MASK_TOKEN, special_base + len(QWEN3_ADDED), True))
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT_REGEX}, "behavior": "Isolated", "invert": False},
            byte_level]},
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }
    config = {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(t["id"]): {k: v for k, v in t.items() if k != "id"} for t in added},
        "additional_special_tokens": [t["content"] for t in added if t["special"] and t["content"] not in
                                      ("<|endoftext|>", "<|im_end|>", MASK_TOKEN)],
        "bos_token": None, "chat_template": CHATML_TEMPLATE, "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>", "errors": "replace", "mask_token": MASK_TOKEN, "model_max_length": 40960,
        "pad_token": "<|endoftext|>", "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    return tokenizer, config


def ids_of(special_base: int) -> dict[str, int]:
    """The ids the stand-in's card gets from these files: mask, eos, pad, and the tokenizer's size."""
    return {"mask": special_base + len(QWEN3_ADDED), "eos": special_base + 2, "pad": special_base,
            "size": special_base + len(QWEN3_ADDED) + 1}


def write(out: Path, text: str, n_merges: int, special_base: int | None) -> dict[str, int]:
    """Write tokenizer.json + tokenizer_config.json into `out`; None places the specials after the merges."""
    merges = learn_merges(text, n_merges)
    base = 256 + len(merges) if special_base is None else special_base
    tokenizer, config = build(merges, base)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False) + "\n")
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return ids_of(base)
