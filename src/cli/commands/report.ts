/** `infogain report`: statistics, tables and charts of an evaluation directory. */
import { Command } from 'commander';
import { mainTable, writeTaskReport } from '../../eval/report.js';
import { nonNegativeInt, seedOption } from '../common.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('statistics, tables and charts of an evaluation directory: report.md and a self-contained report.html')
    .argument('<dir>', 'evaluation directory (meta.json + results.jsonl)')
    .option('--baseline <sampler>', 'sampler the others are tested against (default: confidence if present, else the first)')
    .option('--out <dir>', 'directory for report.md and report.html (default: <dir>)')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% intervals (0: none)', nonNegativeInt('--bootstrap'), 2000)
    .option('--seed <n>', 'bootstrap seed, in [0, 2^32)', seedOption('--seed'), 0)
    .action(async (dir: string, opts: { baseline?: string; out?: string; bootstrap: number; seed: number }) => {
      const r = await writeTaskReport(dir, opts);
      console.log(r.table);
      console.log(mainTable(r.report).note);
      console.log(`wrote ${r.markdownPath} and ${r.htmlPath}`);
    });
}
