/** Reading an oracle model file from disk (Node); parsing and checking are load.ts's. */
import { readFile } from 'node:fs/promises';
import { ModelFileError, oneLine, parseOracle, type OracleModel } from './load.js';

export async function loadOracleFile(path: string): Promise<OracleModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFileError(`${path}: cannot read file (${oneLine((e as Error).message)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${path}: invalid JSON: ${oneLine((e as Error).message)}`);
  }
  return parseOracle(json, path);
}
