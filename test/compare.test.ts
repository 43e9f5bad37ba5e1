import { describe, expect, it } from 'vitest';
import { DECODE_PARAMS, toDecodeConfig } from '../src/decode/config.js';
import { decodeBatch } from '../src/decode/run.js';
import { compareOnTask } from '../src/eval/compare.js';
import { HmmOracle } from '../src/models/oracles/index.js';
import type { HfTokenizer } from '../src/models/tokenizer.js';
import { samplerByName } from '../src/samplers/index.js';
import { resolveParams } from '../src/samplers/params.js';
import type { ModelView, Outcome, Task } from '../src/tasks/index.js';

// A stand-in task on a small exact HMM: example e is a canvas of e masks after a one-symbol prompt.
const model = HmmOracle.fromSeed(3, { states: 3, symbols: 4, stickiness: 0.6 });
const view: ModelView = { card: model.card, tokenizer: null as unknown as HfTokenizer };
const encode = (e: number) => {
  const canvas = new Int32Array(e + 1).fill(model.card.maskId);
  canvas[0] = e % 4;
  return { canvas, promptLength: 1 };
};

function fakeTask(grade: (e: number, output: Int32Array) => Outcome): Task<number> {
  return {
    name: 'sudoku',
    defaultModel: 'none',
    options: {},
    generate: () => [],
    readData: () => ({ examples: [], summary: '', notes: [] }),
    fromPrompt: () => 0,
    encode,
    grade: async (e, output) => grade(e, output),
    describe: () => ({}),
  };
}

const spec = samplerByName('random');
const params = resolveParams(spec.params, {}, spec.name);
const decode = toDecodeConfig(resolveParams(DECODE_PARAMS, { temperature: '1' }, 'decode'));
const examples = [3, 5, 4, 6, 2];

describe('compareOnTask', () => {
  it('decodes example i with seed + i and averages the checker verdicts and costs', async () => {
    // The reference: decode the same canvases directly with seeds 10..14.
    const direct = await decodeBatch(model, examples.map((e, i) => ({ ...encode(e), seed: 10 + i })), { sampler: spec, params, decode });
    const even = (o: Int32Array) => o.reduce((s, x) => s + x, 0) % 2 === 0;
    const expected = direct.traces.filter((t) => even(Int32Array.from(t.output))).length / examples.length;
    const task = fakeTask((_, output) => ({ correct: even(output), score: null, answer: '' }));
    const [s] = await compareOnTask(task, model, view, examples, 10, [{ sampler: spec, params, decode }], { batchSize: 2 });
    expect(s).toMatchObject({ sampler: 'random', task: 'sudoku', n: 5, score: null });
    expect(s.accuracy).toBeCloseTo(expected, 12);
    // Golden (seeds 10..14): the outputs, prompt token e mod 4 first; digit sums 10, 11, 7, 16, 6 → 3 of 5 even.
    expect(direct.traces.map((t) => t.output.join(''))).toEqual(['3331', '113132', '01132', '2333113', '222']);
    expect(s.accuracy).toBeCloseTo(0.6, 12);
    expect(s.forwardCalls).toBeCloseTo((3 + 5 + 4 + 6 + 2) / 5, 12);
    const meanU = direct.traces.reduce((a, t) => a + t.totals.cumulativeUncertainty, 0) / 5;
    expect(s.cumulativeUncertainty).toBeCloseTo(meanU, 9);
    expect(s.cumulativeUncertainty).toBeCloseTo(3.987643151026674, 9); // golden
    expect(s.timeMs).toBeGreaterThan(0);
  });

  it('judged tasks report the mean score and no accuracy', async () => {
    const task = fakeTask((e, output) => ({ correct: null, score: -e - output[0], answer: '' }));
    const direct = await decodeBatch(model, examples.map((e, i) => ({ ...encode(e), seed: i })), { sampler: spec, params, decode });
    const [s] = await compareOnTask(task, model, view, examples, 0, [{ sampler: spec, params, decode }]);
    expect(s.accuracy).toBeNull();
    expect(s.score).toBeCloseTo(direct.traces.reduce((a, t, i) => a - examples[i] - t.output[0], 0) / 5, 12);
    // output[0] is the prompt, e mod 4: −(3+3 + 5+1 + 4+0 + 6+2 + 2+2) / 5, by hand
    expect(s.score).toBeCloseTo(-5.6, 12);
  });
});
