/**
 * Parameter inputs built from the declarations the samplers and the decode loop publish (the same
 * ones `infogain samplers` prints), and read back into the values `decode()` takes. Values are
 * checked by the library when the decode starts; its ParamError names the parameter.
 */
import { DECODE_PARAMS, SAMPLERS, type DecodeParams, type Params, type ParamSpec, type ParamValue } from '../../src/index.js';
import { el } from './view.js';

/** One input per parameter; a nullable number left empty means none. */
export function paramInputs(specs: readonly ParamSpec[], prefix: string, overrides: Params = {}): HTMLElement {
  const box = el('div', { class: 'params' });
  for (const spec of specs) {
    const value = spec.key in overrides ? overrides[spec.key] : spec.default;
    const id = `${prefix}-${spec.key}`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'choice') {
      input = el('select', { id, name: spec.key }, ...(spec.choices ?? []).map((c) => el('option', { value: c }, c)));
      input.value = String(value);
    } else if (spec.kind === 'boolean') {
      input = el('input', { id, name: spec.key, type: 'checkbox' });
      input.checked = value === true;
    } else {
      input = el('input', { id, name: spec.key, type: spec.kind === 'string' ? 'text' : 'number', step: spec.kind === 'integer' ? '1' : 'any', placeholder: spec.nullable ? 'none' : '' });
      input.value = value === null ? '' : String(value);
    }
    input.dataset.kind = spec.kind;
    box.append(el('label', { title: spec.help }, `${spec.key} `, input));
  }
  return box;
}

/** The values of a box made by `paramInputs`: numbers as numbers, empty nullable fields as null. */
export function readParams(box: HTMLElement, specs: readonly ParamSpec[]): Params {
  const values: Params = {};
  for (const spec of specs) {
    const input = box.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${spec.key}"]`);
    if (!input) continue;
    let value: ParamValue;
    if (input instanceof HTMLInputElement && input.type === 'checkbox') value = input.checked;
    else if (input.value.trim() === '') value = spec.nullable ? null : spec.default;
    else if (spec.kind === 'number' || spec.kind === 'integer') value = Number(input.value);
    else value = input.value;
    values[spec.key] = value;
  }
  return values;
}

export const samplerSpecs = (name: string): readonly ParamSpec[] => SAMPLERS.find((s) => s.name === name)?.params ?? [];

type ChoiceKey = 'schedule' | 'use_cache' | 'shifted_first';
/** The declared choices of a decode parameter, and a check that a control's value is one of them. */
function choice<K extends ChoiceKey>(v: ParamValue, key: K): DecodeParams[K] {
  const choices: readonly string[] = DECODE_PARAMS.find((p) => p.key === key)?.choices ?? [];
  const isChoice = (x: ParamValue): x is DecodeParams[K] => typeof x === 'string' && choices.includes(x);
  if (!isChoice(v)) throw new Error(`decode parameter ${key}: ${JSON.stringify(v)}, expected one of ${choices.join(', ')}`);
  return v;
}
const numberOrNull = (v: ParamValue, key: string): number | null => {
  if (v === null || typeof v === 'number') return v;
  throw new Error(`decode parameter ${key}: ${JSON.stringify(v)}, expected a number or none`);
};

/** The decode-loop parameters, typed as `decode()` takes them (ranges are checked by the library). */
export function readDecodeParams(box: HTMLElement): Partial<DecodeParams> {
  const v = readParams(box, DECODE_PARAMS);
  const out: Partial<DecodeParams> = {};
  out.steps = numberOrNull(v.steps, 'steps');
  out.block_length = numberOrNull(v.block_length, 'block_length');
  out.schedule = choice(v.schedule, 'schedule');
  out.temperature = numberOrNull(v.temperature, 'temperature') ?? 0;
  out.threshold = numberOrNull(v.threshold, 'threshold');
  out.eos_fill = v.eos_fill === true;
  out.eos_refresh = v.eos_refresh === true;
  out.use_cache = choice(v.use_cache, 'use_cache');
  out.shifted_first = choice(v.shifted_first, 'shifted_first');
  return out;
}
