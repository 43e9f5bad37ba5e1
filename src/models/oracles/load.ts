/**
 * Oracle model files (JSON). Every failure is one line naming the file, the field, the value
 * found and what was expected, so that a user can fix the file without reading this code.
 */
import { HmmOracle, type HmmParams } from './hmm.js';
import { OracleParamError, show, type OracleOptions } from './tables.js';
import { MarkovOracle, type MarkovParams } from './markov.js';

export type OracleModel = HmmOracle | MarkovOracle;

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

const COMMON_FIELDS = ['type', 'name', 'maskId', 'alphabet', 'eosId', 'eosPenalty', 'initial', 'transition'];
const FIELDS = { hmm: [...COMMON_FIELDS, 'emission'], markov: COMMON_FIELDS };
const REQUIRED: Record<string, string> = {
  maskId: 'the mask id, equal to the number of symbols V',
  initial: 'an array of initial probabilities',
  transition: 'a square array of transition probabilities',
  emission: 'K rows of V emission probabilities',
};

/** Validate a parsed oracle file and build the model. `source` names the file in errors. */
export function parseOracle(json: unknown, source: string): OracleModel {
  const fail = (message: string): never => {
    throw new ModelFileError(`${source}: ${oneLine(message)}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(`the file holds ${show(json)}, expected a JSON object with "type": "hmm" or "markov"`);
  const r = json as Record<string, unknown>;
  const type = r.type;
  if (type !== 'hmm' && type !== 'markov')
    fail(type === undefined ? 'field "type" is missing, expected "hmm" or "markov"' : `field "type" is ${show(type)}, expected "hmm" or "markov"`);
  const fields = FIELDS[type as 'hmm' | 'markov'];
  // Unknown fields are errors, so that a typo does not silently fall back to a default.
  for (const key of Object.keys(r))
    if (!fields.includes(key)) fail(`unknown field "${key}" (value ${show(r[key])}), expected only ${fields.join(', ')} in a ${type} model`);
  for (const key of fields)
    if (key in REQUIRED && r[key] === undefined) fail(`field "${key}" is missing, expected ${REQUIRED[key]}`);
  const maskId = r.maskId;
  if (typeof maskId !== 'number' || !Number.isInteger(maskId) || maskId < 1)
    fail(`field "maskId" is ${show(maskId)}, expected an integer ≥ 1 (the number of symbols V)`);

  // The constructors check tables and optional fields at run time; restate under the file name.
  const options = { name: r.name, alphabet: r.alphabet, eosId: r.eosId, eosPenalty: r.eosPenalty } as OracleOptions;
  let oracle: OracleModel;
  try {
    oracle = type === 'hmm' ? new HmmOracle(r as unknown as HmmParams, options) : new MarkovOracle(r as unknown as MarkovParams, options);
  } catch (e) {
    if (e instanceof OracleParamError) return fail(e.detail);
    throw e;
  }
  if (maskId !== oracle.V)
    fail(`field "maskId" is ${maskId}, expected V = ${oracle.V} (the mask id is the id after the last symbol)`);
  return oracle;
}
