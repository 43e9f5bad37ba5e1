/** The report as Markdown (`report.md`), and the run description the HTML page shares. */
import { describeSelection, type DataRead } from '../../tasks/data.js';
import type { RunMeta } from '../harness.js';
import type { Report } from './types.js';
import { reportTables, type TableModel } from './tables.js';

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: TableModel): string {
  const lines = [
    `| ${t.head.map(mdCell).join(' | ')} |`,
    `|${t.align.map((a) => (a === 'right' ? '---:' : '---')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

const paramText = (p: Record<string, unknown>) => {
  const entries = Object.entries(p ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : '(defaults)';
};

/**
 * The run's task, model and examples. A generator run shows the generator's options; a data run
 * shows the file and what was read from it, never generator options (older meta.json files of
 * data runs recorded them although they did not apply).
 */
function sourceLines(report: Report): string[] {
  const m: RunMeta & { dataRead?: DataRead } = report.meta;
  const counts = `${m.n} planned, ${report.examples.length} with results`;
  if (!m.data)
    return [
      `- task: ${m.task}${Object.keys(m.taskOptions ?? {}).length ? ` (${paramText(m.taskOptions)})` : ''}`,
      `- model: ${m.model}`,
      `- examples: ${counts}; seed ${m.seed}; data: generated`,
    ];
  const r = m.dataRead;
  const sel = describeSelection(r);
  return [
    `- task: ${m.task}`,
    `- model: ${m.model}`,
    `- examples: ${counts}; seed ${m.seed} (decoding only)`,
    `- data: ${m.data}${sel.length ? ` (${sel.join('; ')})` : ''}`,
    ...(r ? [`  - read: ${r.summary}${r.available > m.n ? `; the first ${m.n} of ${r.available} examples evaluated` : ''}`] : []),
  ];
}

export function metaLines(report: Report): string[] {
  const m = report.meta;
  const decodes = m.samplers.map((s) => paramText(s.decode));
  const sameDecode = decodes.every((d) => d === decodes[0]);
  const lines = sourceLines(report);
  if (sameDecode && decodes.length) lines.push(`- decode settings (every sampler): ${decodes[0]}`);
  lines.push('- samplers:');
  for (const s of m.samplers) lines.push(`  - ${s.name}: ${paramText(s.params)}${sameDecode ? '' : `; decode: ${paramText(s.decode)}`}`);
  return lines;
}

/** `extraMarkdown`: a task's own sections (the digits cell's image metrics), placed after the tables. */
export function renderMarkdown(report: Report, command: string, extraMarkdown = ''): string {
  const parts = [
    `# Evaluation report: ${report.meta.task}`,
    '',
    `Produced by \`${command}\` from \`${report.dir}\`.`,
    '',
    '## Run',
    '',
    ...metaLines(report),
    '',
    '## Reading',
    '',
    report.reading,
    '',
  ];
  for (const t of reportTables(report)) {
    parts.push(`## ${t.title}`, '', markdownTable(t), '');
    if (t.note) parts.push(t.note, '');
  }
  if (extraMarkdown) parts.push(extraMarkdown);
  parts.push('Charts (accuracy against cost, cumulative-uncertainty distributions, decode-order heatmaps) are in `report.html`.', '');
  return parts.join('\n');
}
