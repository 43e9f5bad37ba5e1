/**
 * Which shard an `infogain eval` process runs: `--shard i/n`, or, on a cluster, the index from
 * the scheduler (a SLURM job array's SLURM_ARRAY_TASK_ID, a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX) with the count said explicitly: `--shards n`, else SLURM_ARRAY_TASK_COUNT,
 * which SLURM sets in every array task. docs/deploy.md shows both, and the merge.
 */
import { parseShard, type Shard } from '../eval/harness.js';

/** Where a scheduler puts the shard index, in the order they are read. */
export const SHARD_INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;
/** The number of tasks of a SLURM job array. */
export const SHARD_COUNT_VARIABLE = 'SLURM_ARRAY_TASK_COUNT';

function integerFrom(name: string, value: string, min: number): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`eval: ${name} is ${JSON.stringify(value)}, expected an integer ≥ ${min}`);
  return n;
}

/**
 * The shard to run, and a note saying where it came from when the environment chose it (a job
 * array used for something else than sharding would otherwise shard silently).
 */
export function resolveShard(flag: string | undefined, shards: number | undefined, env: NodeJS.ProcessEnv): { shard?: Shard; note?: string } {
  const indexNames = SHARD_INDEX_VARIABLES.join(' or ');
  if (flag !== undefined) {
    if (shards !== undefined) throw new Error(`eval: --shard ${flag} and --shards ${shards} both given; --shard i/n names index and count, --shards n only the count (the index then comes from ${indexNames})`);
    return { shard: parseShard(flag) };
  }
  const present = SHARD_INDEX_VARIABLES.filter((name) => (env[name] ?? '') !== '');
  if (present.length === 0) {
    if (shards !== undefined) throw new Error(`eval: --shards ${shards} takes the shard index from ${indexNames}, and neither is set; give --shard i/n instead`);
    return {};
  }
  const indices = present.map((name) => ({ name, index: integerFrom(name, env[name] ?? '', 0) }));
  if (indices.length > 1 && indices[0].index !== indices[1].index)
    throw new Error(`eval: ${indices.map((i) => `${i.name} is ${i.index}`).join(' and ')}: which shard is this? Unset one, or give --shard i/n`);
  const { name, index } = indices[0];

  // --shards wins: resubmitting some tasks of an array (sbatch --array=2) makes SLURM_ARRAY_TASK_COUNT theirs, not the run's.
  const envCount = shards !== undefined || (env[SHARD_COUNT_VARIABLE] ?? '') === '' ? undefined : integerFrom(SHARD_COUNT_VARIABLE, env[SHARD_COUNT_VARIABLE] ?? '', 1);
  const count = shards ?? envCount;
  if (count === undefined)
    throw new Error(`eval: ${name} is ${index} (the shard index), but the number of shards is not given: pass --shards n (a Kubernetes Indexed Job: its completions)`);
  const countFrom = shards !== undefined ? `--shards ${shards}` : `${SHARD_COUNT_VARIABLE}=${envCount}`;
  if (index >= count)
    throw new Error(`eval: ${name} is ${index}, expected an index in [0, ${count - 1}] (${count} shards, from ${countFrom}); number a SLURM array 0 to n − 1 (#SBATCH --array=0-${count - 1})`);
  return { shard: { index, count }, note: `shard ${index}/${count} from ${name}=${index} and ${countFrom} (--shard i/n overrides; --shard 0/1 runs every example)` };
}
