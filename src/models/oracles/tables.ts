/**
 * The exact oracles' tables and their checks: the options both oracle kinds share, the flat
 * float64 tables, and the validation of untrusted parameters (JSON files) with one-line errors.
 */

/** Rows of a stochastic table must sum to 1 within this; they are then renormalised exactly. */
export const ROW_SUM_TOLERANCE = 1e-6;

/** Optional fields shared by both oracle kinds (and their JSON files). */
export interface OracleOptions {
  name?: string;
  /** V display characters, one per symbol. */
  alphabet?: string;
  /** A symbol id, or null (default). */
  eosId?: number | null;
  /** Subtracted from the EOS logit by the denoiser's card preprocessing (default 0). */
  eosPenalty?: number;
}

/** The model as flat row-major float64 tables. Rows are exactly normalised. */
export interface ChainTables {
  K: number;
  V: number;
  /** [K] */
  initial: Float64Array;
  /** [K·K], row h = p(h_{i+1} | h_i = h) */
  transition: Float64Array;
  /** [K·V], row h = p(x_i | h_i = h) */
  emission: Float64Array;
}

/**
 * Bad model parameters. `detail` is the message without any prefix, so that the file loader can
 * restate it under the file's name.
 */
export class OracleParamError extends Error {
  constructor(readonly detail: string) {
    super(`oracle parameters: ${detail}`);
    this.name = 'OracleParamError';
  }
}

/** A value rendered for an error message, truncated to `max` characters. */
export function show(value: unknown, max = 60): string {
  let s: string;
  if (typeof value === 'number' || value === undefined) s = String(value);
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A probability row from untrusted input (`what` names it in errors): an array of `n`
 * non-negative finite numbers summing to 1 within the tolerance. Returned renormalised.
 */
export function probabilityRow(value: unknown, n: number, nLabel: string, what: string, nNote = ''): Float64Array {
  if (!Array.isArray(value)) throw new OracleParamError(`${what} is ${show(value)}, expected an array of ${nLabel} = ${n} probabilities${nNote}`);
  if (value.length !== n) throw new OracleParamError(`${what} has ${value.length} entries ${show(value)}, expected ${nLabel} = ${n}${nNote}`);
  const row = new Float64Array(n);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const p: unknown = value[j];
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0)
      throw new OracleParamError(`${what} entry ${j} is ${show(p)}, expected a finite number ≥ 0`);
    row[j] = p;
    sum += p;
  }
  if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE))
    throw new OracleParamError(`${what} sums to ${sum} ${show(value)}, expected 1 (within ${ROW_SUM_TOLERANCE})`);
  for (let j = 0; j < n; j++) row[j] /= sum;
  return row;
}

/**
 * A [rows × cols] stochastic matrix from untrusted input, flattened row-major. `colsNote` says
 * where the width came from, for row-length errors.
 */
export function stochasticMatrix(
  field: string,
  value: unknown,
  rows: number,
  rowsLabel: string,
  cols: number,
  colsLabel: string,
  colsNote = '',
): Float64Array {
  if (!Array.isArray(value))
    throw new OracleParamError(
      `field "${field}" is ${show(value)}, expected an array of ${rowsLabel} = ${rows} rows of ${colsLabel} = ${cols} probabilities`,
    );
  if (value.length !== rows) throw new OracleParamError(`field "${field}" has ${value.length} rows, expected ${rowsLabel} = ${rows}`);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(probabilityRow(value[r], cols, colsLabel, `${field} row ${r}`, colsNote), r * cols);
  return out;
}

/** The length of a non-empty array, which fixes a model dimension. */
export function dimensionOf(value: unknown, what: string, expected: string): number {
  if (!Array.isArray(value) || value.length === 0) throw new OracleParamError(`${what} is ${show(value)}, expected ${expected}`);
  return value.length;
}

/** A flat row-major table as nested arrays (the JSON shape). */
export function tableRows(table: Float64Array, n: number, width: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(table.subarray(r * width, (r + 1) * width)));
}
