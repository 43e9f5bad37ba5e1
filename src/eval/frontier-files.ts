/**
 * `infogain frontier`'s files (Node only): read one or more evaluation directories of the same
 * examples, build the frontier, write frontier.md, frontier.html and (with a Chromium) the two
 * charts as PNGs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMeta } from './harness.js';
import type { ResultLine } from './results.js';
import { buildFrontier, FrontierError, type Frontier, type FrontierOptions } from './frontier.js';
import { renderFrontierHtml, renderFrontierMarkdown } from './frontier-render.js';
import { screenshotCharts, type PngOptions } from './frontier-png.js';
import { loadRun } from './report/files.js';

/** The fields that make two runs' example i the same example decoded with the same seed. */
const SAME_EXAMPLES = ['task', 'model', 'seed', 'data', 'taskOptions'] as const;

/**
 * Several runs as one: every run must hold the same examples (same task, model, seed, data and
 * generator options); a sampler name in two runs must have the same settings, and its lines are
 * taken from the first run that has it (the same decode: example i decodes with seed + i).
 */
export function loadRuns(dirs: readonly string[]): { meta: RunMeta; lines: ResultLine[] } {
  if (dirs.length === 0) throw new FrontierError('frontier: name at least one evaluation directory');
  const runs = dirs.map((dir) => ({ dir, ...loadRun(dir) }));
  const first = runs[0];
  const samplers: RunMeta['samplers'] = [];
  const owner = new Map<string, string>();
  const lines: ResultLine[] = [];
  for (const run of runs) {
    for (const field of SAME_EXAMPLES) {
      const a = JSON.stringify(first.meta[field] ?? null);
      const b = JSON.stringify(run.meta[field] ?? null);
      if (a !== b) throw new FrontierError(`frontier: ${run.dir} has ${field} ${b} but ${first.dir} has ${a}; a frontier compares samplers on the same examples`);
    }
    for (const s of run.meta.samplers) {
      const had = samplers.find((x) => x.name === s.name);
      if (!had) {
        samplers.push(s);
        owner.set(s.name, run.dir);
      } else if (JSON.stringify({ p: had.params, d: had.decode }) !== JSON.stringify({ p: s.params, d: s.decode }))
        throw new FrontierError(`frontier: sampler ${s.name} has different settings in ${owner.get(s.name)} and ${run.dir}; rename one (name:label)`);
    }
    lines.push(...run.lines.filter((l) => owner.get(l.sampler) === run.dir || (l.reference === true && run === first)));
  }
  const n = Math.max(...runs.map((r) => r.meta.n));
  return { meta: { ...first.meta, n, samplers }, lines };
}

export interface WriteFrontierOptions extends FrontierOptions {
  out: string;
  /** The command line recorded on the pages. */
  command: string;
  /** Render the charts to PNG with this Chromium (null: no PNGs). */
  png?: PngOptions | null;
  /** File name prefix of the PNGs (default "frontier"). */
  pngPrefix?: string;
}

export async function writeFrontier(dirs: readonly string[], options: WriteFrontierOptions): Promise<{ frontier: Frontier; markdownPath: string; htmlPath: string; pngs: string[] }> {
  const { meta, lines } = loadRuns(dirs);
  const frontier = buildFrontier(meta, lines, options);
  mkdirSync(options.out, { recursive: true });
  const htmlPath = join(options.out, 'frontier.html');
  writeFileSync(htmlPath, renderFrontierHtml(frontier, options.command));
  const prefix = options.pngPrefix ?? 'frontier';
  const names = { rowForwards: `${prefix}-row-forwards.png`, wall: `${prefix}-wall.png` };
  let pngs: string[] = [];
  if (options.png) {
    pngs = [join(options.out, names.rowForwards), join(options.out, names.wall)];
    await screenshotCharts(htmlPath, [
      { element: '#figure-row-forwards', path: pngs[0] },
      { element: '#figure-wall', path: pngs[1] },
    ], options.png);
  }
  const markdownPath = join(options.out, 'frontier.md');
  writeFileSync(markdownPath, renderFrontierMarkdown(frontier, options.command, options.png ? names : null));
  return { frontier, markdownPath, htmlPath, pngs };
}
