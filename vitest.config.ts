import { defineConfig } from 'vitest/config';

/**
 * Two tiers (README, Development):
 * - `unit`: pure math, samplers on oracles, parsers, schemas, in-process and fast. Tests in these
 *   files that take seconds (statistical tests drawing thousands of decodes, real-size inputs)
 *   carry the `slow` tag; `npm run test:unit` runs this project without them.
 * - `integration`: everything else: the CLI end to end, ONNX Runtime, headless Chromium, child
 *   processes, the docs' commands, the built-in trained models.
 * `npm test` (and a plain `vitest run`) runs both projects and every tag.
 */
const UNIT = [
  'test/baselines.test.ts',
  'test/bpe-files.test.ts',
  'test/compare.test.ts',
  'test/core.test.ts',
  'test/countdown.test.ts',
  'test/decode.test.ts',
  'test/digits.test.ts',
  'test/oracles.test.ts',
  'test/render.test.ts',
  'test/results-splice.test.ts',
  'test/sudoku.test.ts',
  'test/tasks.test.ts',
  'test/text-task.test.ts',
  'test/tokenizer.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Two cores in CI: keep workers to what the machine has.
    maxWorkers: 2,
    tags: [{ name: 'slow', description: 'a unit-tier test that takes seconds; left out of npm run test:unit' }],
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
