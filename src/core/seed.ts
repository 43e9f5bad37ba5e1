/**
 * Seeds are 32-bit: every generator is seeded with a uint32, so 2^32 + 1 would silently run as 1
 * (and 2^32 as 0). Runs that give example i the seed `seed + i` must keep the last one in range.
 */

export const SEED_LIMIT = 2 ** 32;

export class SeedError extends Error {}

/** Throw unless seeds `seed … seed + n − 1` are all integers in [0, 2^32); `where` names the source. */
export function checkSeedSpan(seed: number, n: number, where = '--seed'): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed >= SEED_LIMIT)
    throw new SeedError(`${where} ${seed}: expected an integer in [0, ${SEED_LIMIT - 1}] (seeds are 32-bit)`);
  if (n > 0 && seed + n - 1 >= SEED_LIMIT)
    throw new SeedError(
      `${where} ${seed} with ${n} examples: example ${n - 1} would decode with seed ${seed + n - 1}, past the 32-bit limit ${SEED_LIMIT - 1}; use a seed ≤ ${SEED_LIMIT - n}`,
    );
}
