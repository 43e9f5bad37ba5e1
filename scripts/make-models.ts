/**
 * Rebuilds the built-in oracle models in models/ (deterministic):
 *   hmm-demo.json           HmmOracle.fromSeed(2026, 8 states, 12 symbols)
 *   markov-shakespeare.json character bigram chain fitted on the first 95% of
 *                           ../shared/data/tinyshakespeare-train.txt (the rest is held out)
 * Run: npx tsx scripts/make-models.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HmmOracle, MarkovOracle } from '../src/models/oracles/index.js';
import { packageRoot } from '../src/node/paths.js';
import { splitCorpus } from '../src/tasks/text.js';

const out = join(packageRoot(), 'models');
const round = (x: number) => Number(x.toPrecision(8));
const tidy = (v: unknown): unknown => (Array.isArray(v) ? v.map(tidy) : typeof v === 'number' ? round(v) : v);
const write = (file: string, json: Record<string, unknown>) => {
  const body = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, tidy(v)]));
  writeFileSync(join(out, file), JSON.stringify(body) + '\n');
  console.log(`wrote models/${file}`);
};

const hmm = HmmOracle.fromSeed(2026, { states: 8, symbols: 12, stickiness: 0.85, concentration: 0.4 });
write('hmm-demo.json', { ...hmm.toJSON(), name: 'hmm-demo', alphabet: 'abcdefghijkl' });

const corpus = join(packageRoot(), '..', 'shared', 'data', 'tinyshakespeare-train.txt');
if (existsSync(corpus)) {
  // Fitted on the training split only: the held-out 5% is the text task's evaluation data.
  const markov = MarkovOracle.fitText(splitCorpus(readFileSync(corpus, 'utf8')).train, { smoothing: 1, name: 'markov-shakespeare' });
  write('markov-shakespeare.json', markov.toJSON() as unknown as Record<string, unknown>);
} else console.log(`skipped markov-shakespeare: ${corpus} not found`);
