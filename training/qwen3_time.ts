import { loadModel } from '../src/api/node-load.js';
// Times loading and forwards of the full-size stand-in (docs/real-models.md, "Memory and speed").
for (const ref of ['tmp/qwen3-bd3lm-full', 'tmp/qwen3-bd3lm-full/onnx/model_q4f16_rtn_sym.onnx']) {
  const t0 = performance.now();
  const m = await loadModel(ref, { threads: 1 });
  const load = performance.now() - t0;
  const canvas = new Int32Array(64).fill(m.card.maskId);
  canvas.set(m.tokenizer!.encode(m.tokenizer!.applyChatTemplate([{ role: 'user', content: 'What is 7 * 8?' }])));
  const times: number[] = [];
  for (const rows of [1, 1, 4]) {
    const t = performance.now();
    await m.denoiser.forward({ rows: Array.from({ length: rows }, (_, i) => ({ canvas, noiseKey: i })), samples: 1, temperature: 0 });
    times.push(performance.now() - t);
  }
  console.log(`${ref}: load ${load.toFixed(0)} ms; forward T=64: 1 row ${times[0].toFixed(0)} / ${times[1].toFixed(0)} ms, 4 rows ${times[2].toFixed(0)} ms; rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`);
  await m.dispose();
}
