"""pytest: training/char_tokenizer.py against the id tables of training/FORMATS.md."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from char_tokenizer import ASSISTANT, EOS, UNK, USER, CharTokenizer, corpus_chars  # noqa: E402

COUNTDOWN_ALPHABET = "0123456789+-*/=,:"


def test_countdown_ids_are_the_formats_table():
    # FORMATS.md: `*` 4, `+` 5, `,` 6, `-` 7, `/` 8, `0`–`9` 9–18, `:` 19, `=` 20, vocabSize 22
    tok = CharTokenizer(sorted(COUNTDOWN_ALPHABET), "llada")
    want = {"*": 4, "+": 5, ",": 6, "-": 7, "/": 8, ":": 19, "=": 20, **{str(d): 9 + d for d in range(10)}}
    assert {ch: tok.vocab[ch] for ch in COUNTDOWN_ALPHABET} == want
    assert (tok.eos_id, tok.pad_id, tok.mask_id, tok.unk_id, tok.vocab_size) == (0, 0, 1, 21, 22)
    assert tok.tokens[:4] == [EOS, "<|mdm_mask|>", USER, ASSISTANT]
    # the prompt of FORMATS.md's example, one id per character (worked out from the table above)
    assert tok.encode("44,15,79:50=") == [13, 13, 6, 10, 14, 6, 16, 18, 19, 14, 9, 20]


def test_sudoku_digit_d_is_id_d_plus_3():
    tok = CharTokenizer(list("123456789"), "llada")
    assert [tok.vocab[str(d)] for d in range(1, 10)] == [d + 3 for d in range(1, 10)]
    assert tok.vocab_size == 14 and tok.unk_id == 13


def test_mask_text_depends_on_the_convention_but_not_its_id():
    texts = {c: CharTokenizer(["a"], c).mask_token for c in ("llada", "dream", "sdar")}
    assert texts == {"llada": "<|mdm_mask|>", "dream": "<|mask|>", "sdar": "<|MASK|>"}
    assert {CharTokenizer(["a"], c).mask_id for c in texts} == {1}
    with pytest.raises(ValueError, match="convention"):
        CharTokenizer(["a"], "bert")


def test_encode_matches_specials_first_then_one_id_per_character():
    tok = CharTokenizer(corpus_chars("ba a"), "dream")  # chars: ' ' 4, 'a' 5, 'b' 6; unk 7
    assert tok.chars == [" ", "a", "b"]
    assert tok.encode("<|user|>ab<|mask|> z<|endoftext|>") == [2, 5, 6, 1, 4, 7, 0]
    # another convention's mask text is not special here: it is characters, unknown ones → unk
    assert tok.encode("<|MASK|>") == [7] * len("<|MASK|>")
    assert tok.encode(UNK) == [7]
    ids = tok.encode("<|assistant|>ab a")
    assert ids == [3, 5, 6, 4, 5]
    assert tok.decode(ids) == "<|assistant|>ab a"
    assert tok.decode(ids, skip_special=True) == "ab a"


def test_saved_files_are_a_char_level_bpe_with_the_specials_added(tmp_path):
    tok = CharTokenizer(["x", "y"], "sdar")
    tok.save(tmp_path / "tok", model_max_length=48)
    tj = json.loads((tmp_path / "tok" / "tokenizer.json").read_text())
    assert tj["model"]["type"] == "BPE" and tj["model"]["merges"] == []
    assert tj["model"]["vocab"] == {EOS: 0, "<|MASK|>": 1, USER: 2, ASSISTANT: 3, "x": 4, "y": 5, UNK: 6}
    assert [(a["id"], a["content"]) for a in tj["added_tokens"]] == [
        (0, EOS), (1, "<|MASK|>"), (2, USER), (3, ASSISTANT), (6, UNK)]
    assert all(a["special"] for a in tj["added_tokens"])
    cfg = json.loads((tmp_path / "tok" / "tokenizer_config.json").read_text())
    assert (cfg["eos_token"], cfg["pad_token"], cfg["mask_token"], cfg["model_max_length"]) == (EOS, EOS, "<|MASK|>", 48)
    assert sorted(cfg["added_tokens_decoder"]) == ["0", "1", "2", "3", "6"]
