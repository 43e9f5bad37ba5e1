/** `infogain frontier`: the compute-matched frontier of an evaluation whose samplers sweep their compute knobs. */
import { Command, InvalidArgumentError } from 'commander';
import { writeFrontier } from '../../eval/frontier-files.js';
import { DEFAULT_CHROMIUM } from '../../eval/frontier-png.js';
import { renderTerminalTable } from '../../eval/report/terminal.js';
import { decisionTable } from '../../eval/frontier-render.js';
import { nonNegativeInt, seedOption } from '../common.js';

function budgetList(text: string): number[] {
  const ks = text.split(',').map((x) => x.trim());
  if (ks.some((k) => !/^\d+(\.\d+)?$/.test(k) || Number(k) <= 0)) throw new InvalidArgumentError(`--budgets ${JSON.stringify(text)}: expected positive multiples of greedy's compute, e.g. 1,2,4,8`);
  return ks.map(Number);
}

function fraction(text: string): number {
  const x = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(x >= 0 && x < 1)) throw new InvalidArgumentError(`--tolerance ${JSON.stringify(text)}: expected a fraction in [0, 1), e.g. 0.02`);
  return x;
}

export function registerFrontier(program: Command): void {
  program
    .command('frontier')
    .description('score against mean row-forwards and wall time per sampler family (an eval whose samplers sweep a knob, e.g. configs/frontier-sudoku.yaml), the best point of each family at 1×/2×/4×/8× greedy compute with paired tests: frontier.md, frontier.html, PNGs with --png')
    .argument('<dirs...>', 'evaluation directories of the same examples (same task, model, seed and options)')
    .option('--out <dir>', 'directory for frontier.md, frontier.html and the PNGs (default: the first directory)')
    .option('--greedy <sampler>', "the sampler whose mean row-forwards are 1×", 'confidence')
    .option('--budgets <list>', "multiples of greedy's row-forwards", budgetList, [1, 2, 4, 8])
    .option('--tolerance <fraction>', 'a point is within k× greedy when it costs ≤ k× greedy × (1 + this)', fraction, 0.02)
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% intervals (0: none)', nonNegativeInt('--bootstrap'), 2000)
    .option('--seed <n>', 'bootstrap seed, in [0, 2^32)', seedOption('--seed'), 0)
    .option('--png', 'also write the two charts as PNG (headless Chromium)')
    .option('--chromium <path>', 'Chromium executable for --png', DEFAULT_CHROMIUM)
    .option('--png-prefix <name>', 'PNG file names: <name>-row-forwards.png and <name>-wall.png', 'frontier')
    .action(async (dirs: string[], opts: { out?: string; greedy: string; budgets: number[]; tolerance: number; bootstrap: number; seed: number; png?: boolean; chromium: string; pngPrefix: string }) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(opts.pngPrefix)) throw new Error(`frontier: --png-prefix ${JSON.stringify(opts.pngPrefix)}: letters, digits, _ . - only`);
      const out = opts.out ?? dirs[0];
      const command = [`infogain frontier ${dirs.join(' ')}`, `--greedy ${opts.greedy}`, `--tolerance ${opts.tolerance}`, `--bootstrap ${opts.bootstrap}`, `--seed ${opts.seed}`, ...(opts.out ? [`--out ${opts.out}`] : [])].join(' ');
      const r = await writeFrontier(dirs, {
        out, command, greedy: opts.greedy, budgets: opts.budgets, tolerance: opts.tolerance, bootstrap: opts.bootstrap, seed: opts.seed,
        png: opts.png ? { chromium: opts.chromium } : null, pngPrefix: opts.pngPrefix,
      });
      const t = decisionTable(r.frontier);
      console.log(renderTerminalTable(t));
      console.log(t.note);
      console.log(`wrote ${[r.markdownPath, r.htmlPath, ...r.pngs].join(', ')}`);
    });
}
