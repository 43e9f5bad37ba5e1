/**
 * Parameter schemas as data: each sampler (and the decode loop) declares its knobs once, with
 * `defineParams`, and its TypeScript parameter type is derived from that declaration. The CLI,
 * `--set` validation, help text and traces all read the same declaration.
 */

export type ParamValue = number | string | boolean | null;

/** One parameter's declaration, keyed by its name in a `defineParams` record. */
export type ParamDecl =
  | { kind: 'number' | 'integer'; default: number | null; min?: number; max?: number; nullable?: boolean; help: string }
  | { kind: 'boolean'; default: boolean | null; nullable?: boolean; help: string }
  | { kind: 'choice'; default: string | null; choices: readonly string[]; nullable?: boolean; help: string }
  | { kind: 'string'; default: string | null; nullable?: boolean; help: string };

/** A declared parameter with its key: the element of a schema, what validation and help read. */
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

/** Parameter values by key, their types erased (what traces and run metadata record). */
export type Params = Record<string, ParamValue>;

/** The TypeScript type of one declared parameter's value. */
export type ValueOf<D> =
  | (D extends { kind: 'number' | 'integer' }
      ? number
      : D extends { kind: 'boolean' }
        ? boolean
        : D extends { kind: 'choice'; choices: readonly (infer C extends string)[] }
          ? C
          : D extends { kind: 'string' }
            ? string
            : never)
  | (D extends { nullable: true } ? null : never);

/** The parameter type a declaration record describes: key → the type of its value. */
export type DeclaredParams<D extends Record<string, ParamDecl>> = { -readonly [K in keyof D]: ValueOf<D[K]> };

declare const paramsType: unique symbol;

/** An ordered list of declared parameters that remembers (at the type level only) the values' type P. */
export type ParamSchema<P = Params> = readonly ParamSpec[] & { readonly [paramsType]?: P };

/** The parameter type of a schema. */
export type ParamsOf<S> = S extends ParamSchema<infer P> ? P : never;

/** Declare parameters once; the result is the ordered schema, typed by the declaration. */
export function defineParams<const D extends Record<string, ParamDecl>>(decls: D): ParamSchema<DeclaredParams<D>> {
  return Object.entries(decls).map(([key, d]) => ({ key, ...d }));
}

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

/** A value given as a value (the library's parameter objects, JSON bodies): its kind and range, as parseParam checks text. */
function checkValue(spec: ParamSpec, value: ParamValue, owner: string): ParamValue {
  const ok =
    value === null
      ? spec.nullable === true
      : spec.kind === 'number' || spec.kind === 'integer'
        ? typeof value === 'number' &&
          Number.isFinite(value) &&
          (spec.kind === 'number' || Number.isInteger(value)) &&
          (spec.min === undefined || value >= spec.min) &&
          (spec.max === undefined || value <= spec.max)
        : spec.kind === 'boolean'
          ? typeof value === 'boolean'
          : spec.kind === 'choice'
            ? typeof value === 'string' && spec.choices!.includes(value)
            : typeof value === 'string';
  if (!ok) throw new ParamError(`${owner}: bad value for "${spec.key}": ${JSON.stringify(value)}, expected ${describe(spec)}`);
  return value;
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

/**
 * Defaults overlaid with `overrides` (text is parsed against its spec); unknown keys are an error
 * naming the valid ones. The result has every declared key with a value of its declared kind,
 * which is what makes it the schema's P: the one place the erased values become typed.
 */
export function resolveParams<P = Params>(specs: ParamSchema<P>, overrides: Params, owner: string): P {
  const out: Params = {};
  for (const s of specs) out[s.key] = s.default;
  for (const [key, value] of Object.entries(overrides)) {
    const spec = specs.find((s) => s.key === key);
    if (!spec) throw new ParamError(`${owner}: unknown parameter "${key}"; valid: ${specs.map((s) => s.key).join(', ') || '(none)'}`);
    out[key] = typeof value === 'string' && spec.kind !== 'string' ? parseParam(spec, value, owner) : checkValue(spec, value, owner);
  }
  return out as P;
}
