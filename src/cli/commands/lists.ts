/** `infogain samplers` and `infogain models`: what is available. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { DECODE_PARAMS } from '../../decode/config.js';
import { BUILTIN_MODELS } from '../../models/builtin.js';
import { packageRoot } from '../../node/paths.js';
import { isModelDir, readCard } from '../../models/model-dir.js';
import { describe } from '../../samplers/params.js';
import { SAMPLERS } from '../../samplers/index.js';

export function registerLists(program: Command): void {
  program
    .command('samplers')
    .description('list the samplers and their parameters')
    .action(() => {
      const line = (key: string, spec: Parameters<typeof describe>[0]) => `    ${key} = ${JSON.stringify(spec.default)}  (${describe(spec)}) ${spec.help}`;
      console.log('decode parameters (any sampler):');
      for (const p of DECODE_PARAMS) console.log(line(p.key, p));
      for (const s of SAMPLERS) {
        console.log(`\n${s.name}: ${s.summary}`);
        for (const p of s.params) console.log(line(p.key, p));
      }
    });

  program
    .command('models')
    .description('list the built-in models')
    .action(async () => {
      for (const m of BUILTIN_MODELS) {
        const path = join(packageRoot(), 'models', m.file);
        if (m.kind === 'oracle') {
          console.log(`${m.name}: ${m.description} (oracle; prompt ${m.promptLength}, generate ${m.genLength})`);
          continue;
        }
        if (!isModelDir(path)) {
          console.log(`${m.name}: ${m.description} (task ${m.task}; not built in this checkout: npm run train:${m.task})`);
          continue;
        }
        const card = await readCard(path, null);
        console.log(`${m.name}: ${m.description} (task ${m.task}; vocabulary ${card.vocabSize}, context ${card.contextLimit})`);
        const readme = join(path, 'README.md');
        if (existsSync(readme)) console.log(readFileSync(readme, 'utf8').split('\n').filter((l) => l.trim()).slice(0, 12).map((l) => `    ${l}`).join('\n'));
      }
    });
}
