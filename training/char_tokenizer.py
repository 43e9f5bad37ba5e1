"""Character-level Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) for the tiny MDMs.

Ids:  0 <|endoftext|> (EOS and PAD), 1 the mask token, 2 <|user|>, 3 <|assistant|>,
      4 .. 4+C-1 the corpus characters in sorted order, then <|unk|>.
The mask token's text depends on the convention (same id everywhere):
      llada <|mdm_mask|>, dream <|mask|>, sdar <|MASK|>.

tokenizer.json is a BPE model with no merges and no pre-tokenizer, so every character is one token;
special tokens are "added_tokens" and are matched before the model runs. `CharTokenizer.encode`
does the same in Python (special tokens, then one id per character).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

EOS = "<|endoftext|>"
USER = "<|user|>"
ASSISTANT = "<|assistant|>"
UNK = "<|unk|>"
MASK_TEXT = {"llada": "<|mdm_mask|>", "dream": "<|mask|>", "sdar": "<|MASK|>"}

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|assistant|>{% else %}<|user|>{% endif %}"
    "{{ message['content'] }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def corpus_chars(text: str) -> list[str]:
    return sorted(set(text))


class CharTokenizer:
    def __init__(self, chars: list[str], convention: str) -> None:
        if convention not in MASK_TEXT:
            raise ValueError(f"convention must be one of {sorted(MASK_TEXT)}")
        self.convention = convention
        self.mask_token = MASK_TEXT[convention]
        self.specials = [EOS, self.mask_token, USER, ASSISTANT]
        self.chars = list(chars)
        self.tokens = self.specials + self.chars + [UNK]
        self.vocab = {tok: i for i, tok in enumerate(self.tokens)}
        self.eos_id = self.vocab[EOS]
        self.pad_id = self.eos_id
        self.mask_id = self.vocab[self.mask_token]
        self.unk_id = self.vocab[UNK]
        special_re = "|".join(re.escape(s) for s in self.specials + [UNK])
        self._split = re.compile(f"({special_re})")

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        for piece in self._split.split(text):
            if piece in self.vocab and (piece in self.specials or piece == UNK):
                ids.append(self.vocab[piece])
            else:
                ids.extend(self.vocab.get(ch, self.unk_id) for ch in piece)
        return ids

    def decode(self, ids: list[int], skip_special: bool = False) -> str:
        special = set(self.specials + [UNK])
        return "".join(self.tokens[i] for i in ids if not (skip_special and self.tokens[i] in special))

    def tokenizer_json(self) -> dict:
        special_ids = [self.vocab[s] for s in self.specials] + [self.unk_id]
        added = [
            {"id": i, "content": self.tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i in special_ids
        ]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": None,
            "post_processor": None,
            "decoder": {"type": "Fuse"},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": UNK,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "vocab": dict(self.vocab),
                "merges": [],
            },
        }

    def tokenizer_config(self, model_max_length: int) -> dict:
        special_ids = [self.vocab[s] for s in self.specials] + [self.unk_id]
        return {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "added_tokens_decoder": {
                str(i): {"content": self.tokens[i], "lstrip": False, "normalized": False, "rstrip": False,
                         "single_word": False, "special": True}
                for i in special_ids
            },
            "bos_token": None,
            "eos_token": EOS,
            "pad_token": EOS,
            "mask_token": self.mask_token,
            "unk_token": UNK,
            "additional_special_tokens": [USER, ASSISTANT],
            "chat_template": CHAT_TEMPLATE,
            "clean_up_tokenization_spaces": False,
            "model_max_length": model_max_length,
        }

    def save(self, directory: Path, model_max_length: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "tokenizer.json").write_text(json.dumps(self.tokenizer_json(), ensure_ascii=False, indent=1) + "\n")
        (directory / "tokenizer_config.json").write_text(
            json.dumps(self.tokenizer_config(model_max_length), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--convention", choices=sorted(MASK_TEXT), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-length", type=int, default=64)
    a = ap.parse_args()
    tok = CharTokenizer(corpus_chars(Path(a.corpus).read_text()), a.convention)
    tok.save(Path(a.out), a.max_length)
    print(f"wrote {a.out}: vocab {tok.vocab_size}")
