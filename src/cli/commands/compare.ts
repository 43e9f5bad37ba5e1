/** `infogain compare`: several samplers on the same oracle prompts, one table. */
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import { toDecodeConfig } from '../../decode/config.js';
import { compareSamplers, oracleInputs } from '../../eval/compare.js';
import { DEFAULT_MODEL, loadModel } from '../../models/builtin.js';
import { isOracle } from '../../models/oracle.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { parseSettings } from '../settings.js';
import { collect, nonNegativeInt, progressBar } from '../common.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run several samplers on the same N prompts and print a table')
    .option('--model <ref>', 'built-in model name or model file', DEFAULT_MODEL)
    .option('--samplers <list>', 'comma-separated sampler names, or "all"', 'all')
    .option('--set <key=value>', 'parameter for every sampler that has it, or sampler.key=value for one; repeatable', collect, [])
    .option('--n <n>', 'number of prompts', nonNegativeInt('--n'), 32)
    .option('--seed <n>', 'seed of example 0 (example i uses seed + i)', nonNegativeInt('--seed'), 0)
    .option('--prompt-length <n>', 'prompt tokens sampled from the oracle', nonNegativeInt('--prompt-length'))
    .option('--gen-length <n>', 'masks to decode after each prompt', nonNegativeInt('--gen-length'))
    .option('--batch-size <n>', 'sequences decoded together', nonNegativeInt('--batch-size'), 16)
    .addOption(new Option('--json', 'print one JSON object per sampler instead of a table'))
    .action(async (opts) => {
      const names: string[] = opts.samplers === 'all' ? SAMPLERS.map((s) => s.name) : opts.samplers.split(',').map((s: string) => s.trim()).filter(Boolean);
      if (names.length === 0) throw new Error('--samplers: no sampler named');
      const specs = names.map(samplerByName);
      const settings = parseSettings(opts.set, specs);
      const { model, builtin } = await loadModel(opts.model);
      if (!isOracle(model)) throw new Error(`compare: model ${model.card.name} is not an oracle; prompts come from an oracle's joint`);
      if (opts.n < 1) throw new Error('--n must be at least 1');
      const inputs = oracleInputs(model, opts.n, opts.seed, opts.promptLength ?? builtin?.promptLength ?? 0, opts.genLength ?? builtin?.genLength ?? 32);
      const entries = await Promise.all(
        specs.map(async (spec) => {
          const params = settings.samplers.get(spec.name)!;
          const decode = toDecodeConfig(settings.decodeOf.get(spec.name)!);
          return { spec, params: spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params, decode };
        }),
      );
      const bar = progressBar(specs.length * opts.n, 'compare');
      let total = 0;
      const { summaries } = await compareSamplers(model, entries, inputs, {
        batchSize: Math.max(1, opts.batchSize),
        onSequence: (sampler) => bar?.update(++total, { sampler }),
      });
      bar?.stop();
      if (opts.json) {
        for (const s of summaries) console.log(JSON.stringify(s));
        return;
      }
      const table = new Table({
        head: ['sampler', 'log p(gen | prompt)', 'cum. uncertainty', 'forward calls', 'row-forwards', 'ms / seq'],
        colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
        style: { head: [], border: [] },
      });
      for (const s of summaries)
        table.push([s.sampler, s.logProb?.toFixed(3) ?? '–', s.cumulativeUncertainty.toFixed(3), s.forwardCalls.toFixed(1), s.rowForwards.toFixed(1), s.timeMs.toFixed(2)]);
      console.log(table.toString());
      console.log(`model ${model.card.name}, n = ${opts.n}, seed ${opts.seed}, τ_tok = ${settings.decode.temperature}; means over prompts`);
    });
}
