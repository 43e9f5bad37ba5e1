/**
 * An evaluation spread over machines: `infogain eval` takes its shard index from a SLURM job
 * array or a Kubernetes Indexed Job when --shard is absent (bad values name the variable), and
 * docs/deploy's SLURM scripts and Job manifests run as written (the tasks' environment as the
 * scheduler sets it, a tiny config in CONFIG, a temporary RUNS): four shards, then the merge and
 * the report.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveShard } from '../src/cli/shard.js';
import { readResults } from '../src/eval/results.js';
import { cli } from './helpers/cli.js';

const repo = join(import.meta.dirname, '..');
const DEPLOY = join(repo, 'docs/deploy');
const work = mkdtempSync(join(tmpdir(), 'infogain-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe('the shard index from the environment', () => {
  it('--shard wins; otherwise SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX with --shards or SLURM_ARRAY_TASK_COUNT, and a note says so', () => {
    const slurm = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' };
    expect(resolveShard('1/3', undefined, slurm)).toEqual({ shard: { index: 1, count: 3 } });
    expect(resolveShard(undefined, undefined, {})).toEqual({});
    expect(resolveShard(undefined, undefined, slurm)).toEqual({
      shard: { index: 2, count: 4 },
      note: 'shard 2/4 from SLURM_ARRAY_TASK_ID=2 and SLURM_ARRAY_TASK_COUNT=4 (--shard i/n overrides; --shard 0/1 runs every example)',
    });
    // A resubmitted task (sbatch --array=2) has a task count of 1: --shards says the run's.
    expect(resolveShard(undefined, 4, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1' }).shard).toEqual({ index: 2, count: 4 });
    expect(resolveShard(undefined, 3, { JOB_COMPLETION_INDEX: '0' }).shard).toEqual({ index: 0, count: 3 });
    expect(resolveShard(undefined, 3, { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '1' }).shard).toEqual({ index: 1, count: 3 });
  });

  it('bad values stop with a message naming the variable or flag and what was expected', () => {
    const cases: [string | undefined, number | undefined, NodeJS.ProcessEnv, RegExp][] = [
      [undefined, undefined, { SLURM_ARRAY_TASK_ID: 'x7' }, /^eval: SLURM_ARRAY_TASK_ID is "x7", expected an integer ≥ 0$/],
      [undefined, 4, { JOB_COMPLETION_INDEX: '-1' }, /^eval: JOB_COMPLETION_INDEX is "-1", expected an integer ≥ 0$/],
      [undefined, undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '0' }, /^eval: SLURM_ARRAY_TASK_COUNT is "0", expected an integer ≥ 1$/],
      [undefined, undefined, { JOB_COMPLETION_INDEX: '3' }, /JOB_COMPLETION_INDEX is 3 \(the shard index\), but the number of shards is not given: pass --shards n/],
      [undefined, undefined, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' }, /SLURM_ARRAY_TASK_ID is 4, expected an index in \[0, 3\] \(4 shards, from SLURM_ARRAY_TASK_COUNT=4\); number a SLURM array 0 to n − 1 \(#SBATCH --array=0-3\)/],
      [undefined, 2, { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '0' }, /SLURM_ARRAY_TASK_ID is 0 and JOB_COMPLETION_INDEX is 1: which shard is this\?/],
      [undefined, 4, {}, /--shards 4 takes the shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and neither is set; give --shard i\/n instead/],
      ['0/2', 2, {}, /--shard 0\/2 and --shards 2 both given/],
    ];
    for (const [flag, shards, env, message] of cases) expect(() => resolveShard(flag, shards, env), JSON.stringify(env)).toThrow(message);
  });

  it('infogain eval: the environment picks the shard (a note on stderr); a bad value stops before the model loads', async () => {
    const base = ['eval', '--task', 'sudoku', '--samplers', 'confidence', '--task-option', 'blanks=20', '--n', '4'];
    vi.stubEnv('JOB_COMPLETION_INDEX', '3');
    const out = join(work, 'indexed-3');
    const r = await cli(...base, '--shards', '4', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: shard 3/4 from JOB_COMPLETION_INDEX=3 and --shards 4');
    expect(readResults(join(out, 'results.jsonl')).map((l) => l.example)).toEqual([3]);
    const bad = await cli(...base, '--out', join(work, 'indexed-bad'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('infogain: eval: JOB_COMPLETION_INDEX is 3 (the shard index), but the number of shards is not given: pass --shards n (a Kubernetes Indexed Job: its completions)');
    expect(existsSync(join(work, 'indexed-bad'))).toBe(false);
    // --shard 0/1 runs everything inside a job array that is not for sharding.
    const whole = join(work, 'indexed-whole');
    expect((await cli(...base, '--shard', '0/1', '--out', whole)).code).toBe(0);
    expect(readResults(join(whole, 'results.jsonl'))).toHaveLength(4);
  });
});

// What the deploy files run: a tiny evaluation (4 Sudoku puzzles, one sampler) in place of the documented config.
const tinyConfig = join(work, 'tiny.yaml');
writeFileSync(tinyConfig, 'task: sudoku\nsamplers: [confidence]\nn: 4\nseed: 0\ntask_options:\n  blanks: 20\n');
// `infogain` on PATH, as after `npm link` or in the image.
const shimDir = join(work, 'bin');
mkdirSync(shimDir);
writeFileSync(join(shimDir, 'infogain'), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, 'bin/infogain.js')}" "$@"\n`);
chmodSync(join(shimDir, 'infogain'), 0o755);

/** Run `command` as a scheduler would: from the checkout, with `infogain` on PATH and no scheduler variables but `env`'s. */
function run(command: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'JOB_COMPLETION_INDEX'));
  const child = spawn(command[0], command.slice(1), { cwd: repo, env: { ...clean, PATH: `${shimDir}:${process.env.PATH}`, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** The merged evaluation has each example once, each shard directory only its own, and a report. */
function expectMerged(runs: string, shards: number): void {
  for (let i = 0; i < shards; i++) expect(readResults(join(runs, `shard-${i}`, 'results.jsonl')).map((l) => l.example)).toEqual([i]);
  expect(readResults(join(runs, 'merged', 'results.jsonl')).map((l) => `${l.example}/${l.sampler}`)).toEqual(['0/confidence', '1/confidence', '2/confidence', '3/confidence']);
  expect(readFileSync(join(runs, 'merged', 'report.md'), 'utf8')).toMatch(/confidence/);
  expect(readdirSync(runs).sort()).toEqual([...Array.from({ length: shards }, (_, i) => `shard-${i}`), 'merged'].sort());
}

describe('docs/deploy: the SLURM array and the Kubernetes Indexed Job, as written', () => {
  it('eval-array.sbatch runs one shard per array task (--shards equals the array size); eval-merge.sbatch merges and reports', async () => {
    const script = readFileSync(join(DEPLOY, 'eval-array.sbatch'), 'utf8');
    const array = /^#SBATCH --array=0-(\d+)$/m.exec(script);
    const tasks = Number(array?.[1]) + 1;
    expect(script).toContain(`--shards ${tasks} `);
    const runs = join(work, 'slurm');
    const env = { CONFIG: tinyConfig, RUNS: runs, SLURM_ARRAY_TASK_COUNT: String(tasks), SLURM_ARRAY_JOB_ID: '77' };
    const results = await Promise.all(Array.from({ length: tasks }, (_, i) => run(['bash', join(DEPLOY, 'eval-array.sbatch')], { ...env, SLURM_ARRAY_TASK_ID: String(i) })));
    for (const [i, r] of results.entries()) {
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`note: shard ${i}/${tasks} from SLURM_ARRAY_TASK_ID=${i} and --shards ${tasks}`);
    }
    const merged = await run(['bash', join(DEPLOY, 'eval-merge.sbatch')], { RUNS: runs });
    expect(merged.code, merged.output).toBe(0);
    expectMerged(runs, tasks);
  });

  it('eval-job.yaml: the Indexed Job\'s pods run one shard each (--shards equals its completions) on the shared volume; eval-merge-job.yaml merges and reports', async () => {
    const docs = parseAllDocuments(readFileSync(join(DEPLOY, 'eval-job.yaml'), 'utf8')).map((d) => d.toJS());
    const job = docs.find((d) => d.kind === 'Job');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', parallelism: job.spec.completions });
    const container = job.spec.template.spec.containers[0];
    const envOf = (c: { env: { name: string; value: string }[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(container.command.join(' ')).toContain(`--shards ${job.spec.completions} `);
    // RUNS lies on the volume every pod mounts, which is the claim the file makes.
    expect(envOf(container).RUNS.startsWith(`${container.volumeMounts[0].mountPath}/`)).toBe(true);
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe(docs.find((d) => d.kind === 'PersistentVolumeClaim').metadata.name);

    const runs = join(work, 'indexed');
    const pods = Array.from({ length: job.spec.completions }, (_, i) => run(container.command, { ...envOf(container), CONFIG: tinyConfig, RUNS: runs, JOB_COMPLETION_INDEX: String(i) }));
    for (const r of await Promise.all(pods)) expect(r.code, r.output).toBe(0);
    const [merge] = parseAllDocuments(readFileSync(join(DEPLOY, 'eval-merge-job.yaml'), 'utf8')).map((d) => d.toJS());
    const mergeContainer = merge.spec.template.spec.containers[0];
    expect(envOf(mergeContainer).RUNS).toBe(envOf(container).RUNS);
    const merged = await run(mergeContainer.command, { ...envOf(mergeContainer), RUNS: runs });
    expect(merged.code, merged.output).toBe(0);
    expectMerged(runs, job.spec.completions);
  });
});
