/**
 * The built-in neural models load, decode held-out examples from their task generators, and stay
 * above a task-metric floor (a few examples each, seconds of CPU). The floors are well below the
 * measured accuracy (docs/results.md), so they catch a broken export, card or task adapter, not
 * noise.
 */
import { describe, expect, it } from 'vitest';
import { DECODE_PARAMS, toDecodeConfig } from '../src/decode/config.js';
import { compareOnTask } from '../src/eval/compare.js';
import { loadModel } from '../src/models/builtin.js';
import { samplerByName } from '../src/samplers/index.js';
import { resolveParams } from '../src/samplers/params.js';
import { taskByName, type ModelView } from '../src/tasks/index.js';

async function builtin(name: string) {
  const { model, tokenizer, builtin } = await loadModel(name, { threads: 1 });
  expect(tokenizer, `${name} has tokenizer files`).not.toBeNull();
  const task = taskByName(builtin!.task!);
  return { model, task, view: { card: model.card, tokenizer: tokenizer! } as ModelView };
}

const entry = (sampler: string, decode: Record<string, string> = {}, params: Record<string, string> = {}) => {
  const spec = samplerByName(sampler);
  return { spec, params: resolveParams(spec.params, params, spec.name), decode: toDecodeConfig(resolveParams(DECODE_PARAMS, decode, 'decode')) };
};

describe('built-in sudoku model', () => {
  it('solves held-out 40–50-blank puzzles with greedy confidence and with Info-Gain', async () => {
    const { model, task, view } = await builtin('sudoku');
    // Seeds far from the training stream's; 6 puzzles with 40–50 blanks.
    const examples = task.generate(900_000, 6, { blanks: [40, 50] });
    const [confidence, infoGain] = await compareOnTask(task, model, view, examples, 900_000, [
      entry('confidence'),
      entry('info-gain', {}, { candidates: '4' }),
    ]);
    expect(confidence.accuracy).toBeGreaterThanOrEqual(4 / 6);
    expect(infoGain.accuracy).toBeGreaterThanOrEqual(4 / 6);
    expect(confidence.rowForwards).toBeGreaterThanOrEqual(40);
    expect(infoGain.rowForwards).toBeGreaterThan(confidence.rowForwards);
  });
});
