/**
 * Parameter schemas as data: each sampler (and the decode loop) declares its knobs once, and
 * the CLI, `--set` validation, help text and traces all read the same declaration.
 */

export type ParamValue = number | string | boolean | null;

export interface ParamSpec {
  key: string;
  kind: 'number' | 'integer' | 'choice' | 'boolean' | 'string';
  default: ParamValue;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for `choice`. */
  choices?: readonly string[];
  /** `null` is an accepted value (e.g. threshold = none). */
  nullable?: boolean;
  help: string;
}

export type Params = Record<string, ParamValue>;

export class ParamError extends Error {}

/** Parse one textual value against its spec (what `--set key=value` gives). */
export function parseParam(spec: ParamSpec, text: string, owner: string): ParamValue {
  const bad = (expected: string): never => {
    throw new ParamError(`${owner}: bad value for "${spec.key}": ${JSON.stringify(text)}, expected ${expected}`);
  };
  if (spec.nullable && /^(none|null|off)$/i.test(text)) return null;
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v)) bad(describe(spec));
      if (spec.kind === 'integer' && !Number.isInteger(v)) bad(describe(spec));
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) bad(describe(spec));
      return v;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return bad('true or false');
    case 'choice':
      if (!spec.choices!.includes(text)) bad(`one of ${spec.choices!.join(', ')}`);
      return text;
    case 'string':
      return text;
  }
}

export function describe(spec: ParamSpec): string {
  const range =
    spec.min !== undefined && spec.max !== undefined
      ? ` in [${spec.min}, ${spec.max}]`
      : spec.min !== undefined
        ? ` ≥ ${spec.min}`
        : spec.max !== undefined
          ? ` ≤ ${spec.max}`
          : '';
  const base =
    spec.kind === 'choice' ? `one of ${spec.choices!.join(', ')}` : spec.kind === 'integer' ? `an integer${range}` : spec.kind === 'number' ? `a number${range}` : spec.kind === 'boolean' ? 'true or false' : 'a string';
  return spec.nullable ? `${base} or none` : base;
}

/** Defaults overlaid with `overrides`; unknown keys are an error naming the valid ones. */
export function resolveParams(specs: readonly ParamSpec[], overrides: Params, owner: string): Params {
  const out: Params = {};
  for (const s of specs) out[s.key] = s.default;
  for (const [key, value] of Object.entries(overrides)) {
    const spec = specs.find((s) => s.key === key);
    if (!spec) throw new ParamError(`${owner}: unknown parameter "${key}"; valid: ${specs.map((s) => s.key).join(', ') || '(none)'}`);
    out[key] = typeof value === 'string' && spec.kind !== 'string' ? parseParam(spec, value, owner) : value;
  }
  return out;
}
