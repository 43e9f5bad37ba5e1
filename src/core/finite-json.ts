/**
 * JSON that cannot hold a silently lost number. `JSON.stringify` turns NaN and ±Infinity into
 * `null`, so a broken statistic would reach a result file looking like "no value"; this writer
 * refuses them instead, naming the field.
 */

export class NonFiniteError extends Error {}

/** The path of the first non-finite number inside `value` (e.g. `steps[3].entropy`), or null. */
export function findNonFinite(value: unknown, path = ''): { path: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path: path || '(value)', value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNonFinite(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return findNonFinite(Array.from(value as unknown as ArrayLike<number>), path);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findNonFinite(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return null;
}

/**
 * `JSON.stringify(value)`, or a NonFiniteError `<what>: field "<path>" is NaN; …` when any
 * number in it is NaN or ±Infinity.
 */
export function stringifyFinite(value: unknown, what: string, space?: number): string {
  const hit = findNonFinite(value);
  if (hit) throw new NonFiniteError(`${what}: field "${hit.path}" is ${hit.value}; a non-finite number is never written (JSON would turn it into null)`);
  return JSON.stringify(value, null, space);
}
