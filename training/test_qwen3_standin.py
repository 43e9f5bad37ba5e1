"""Tests of the Qwen3 stand-in generator's pieces that onnxruntime does not check from TypeScript."""
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import qwen3_tokenizer  # noqa: E402
from qwen3_onnx import Q4_BLOCK, dequantize_q4, pack_q4  # noqa: E402


def test_q4_layout_is_matmulnbits_documented_one():
    # W [K=64, N=2] with known integer codes: column n, element k -> code (k + n) % 16 - 8, scale 1 after rounding.
    K, N = 64, 2
    codes = np.array([[(k + n) % 16 - 8 for n in range(N)] for k in range(K)], dtype=np.float64)
    w = codes * (7.0 / np.abs(codes).max())  # max |w| = 7 * ... so scale = max|w|/7 per block
    packed, scales = pack_q4(w)
    assert packed.shape == (N, K // Q4_BLOCK, Q4_BLOCK // 2) and packed.dtype == np.uint8
    assert scales.shape == (N * K // Q4_BLOCK,) and scales.dtype == np.float16
    # element 2i in the low nibble of byte i, 2i+1 in the high nibble, offset by the zero point 8
    q = np.rint(w[:, 0] / float(scales[0])) + 8
    assert packed[0, 0, 0] == int(q[0]) | (int(q[1]) << 4)


def test_q4_roundtrip_error_is_at_most_half_a_step():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(96, 5))
    packed, scales = pack_q4(w)
    back = dequantize_q4(packed, scales, 96, 5)
    step = np.repeat(scales.astype(np.float64).reshape(5, 3), Q4_BLOCK, axis=1).T
    assert np.all(np.abs(back - w) <= step / 2 + 1e-3 * step)


def test_tokenizer_puts_qwen3_specials_at_the_base_and_the_mask_after_them():
    tok, config = qwen3_tokenizer.build(qwen3_tokenizer.learn_merges("to be or not to be, that is the question", 10), 151643)
    ids = {t["content"]: t["id"] for t in tok["added_tokens"]}
    assert ids["<|endoftext|>"] == 151643 and ids["<|im_start|>"] == 151644 and ids["<|im_end|>"] == 151645
    assert ids["<|mask|>"] == 151669 and qwen3_tokenizer.ids_of(151643)["mask"] == 151669
    assert config["eos_token"] == "<|im_end|>" and config["pad_token"] == "<|endoftext|>" and config["mask_token"] == "<|mask|>"
    assert len(tok["model"]["vocab"]) == 256 + 10 and all(" " in m for m in tok["model"]["merges"])
