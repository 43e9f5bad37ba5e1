/**
 * What an ONNX file says about itself, read from its protobuf without onnxruntime: the operators,
 * the initializers' types and sizes, which of them live in external data files (and where), and
 * the length of a fused rotary embedding's cos/sin tables. `inspect` reports the precision (fp16,
 * 4-bit MatMulNBits) and external data from it; loaders learn the external data files a graph
 * needs (onnxruntime-web must be handed each by the name the graph records) and the longest
 * canvas its rotary tables cover. Environment-neutral; reads only the fields listed below.
 *
 *   ModelProto   7 graph
 *   GraphProto   1 node, 5 initializer
 *   NodeProto    1 input, 4 op_type, 5 attribute, 7 domain
 *   AttributeProto 1 name, 3 i
 *   TensorProto  1 dims, 2 data_type, 8 name, 9 raw_data, 13 external_data, 14 data_location
 *   StringStringEntryProto 1 key, 2 value
 */
import { GraphError } from './graph-error.js';

/** ONNX TensorProto.DataType numbers and their names and element sizes in bytes (4-bit types: 0.5). */
const DATA_TYPES: Record<number, { name: string; bytes: number }> = {
  1: { name: 'float32', bytes: 4 }, 2: { name: 'uint8', bytes: 1 }, 3: { name: 'int8', bytes: 1 }, 4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 }, 6: { name: 'int32', bytes: 4 }, 7: { name: 'int64', bytes: 8 }, 9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 }, 11: { name: 'float64', bytes: 8 }, 12: { name: 'uint32', bytes: 4 }, 13: { name: 'uint64', bytes: 8 },
  16: { name: 'bfloat16', bytes: 2 }, 21: { name: 'uint4', bytes: 0.5 }, 22: { name: 'int4', bytes: 0.5 },
};

export interface InitializerInfo {
  name: string;
  dataType: string;
  dims: number[];
  /** Bytes of its data (elements × element size). */
  bytes: number;
  /** Where its data lives when not in the graph file: a file beside the graph, offset and length. */
  external: { location: string; offset: number; length: number | null } | null;
}

export interface NodeInfo {
  opType: string;
  domain: string;
  inputs: string[];
  /** Integer attributes (e.g. MatMulNBits' bits and block_size). */
  ints: Record<string, number>;
}

export interface OnnxFileFacts {
  nodes: NodeInfo[];
  initializers: InitializerInfo[];
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    private readonly source: string,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.error('a varint runs past the end');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * scale; // exact up to 2^53: offsets and lengths of any real file
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw this.error('a varint longer than 10 bytes');
  }

  /** The next field's number and wire type, or null at the end. */
  key(): { field: number; wire: number } | null {
    if (this.pos >= this.end) return null;
    const k = this.varint();
    return { field: Math.floor(k / 8), wire: k % 8 };
  }

  /** [start, end) of a length-delimited field's payload; moves past it. */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw this.error(`a field of ${len} bytes runs past the end`);
    this.pos += len;
    return [start, start + len];
  }

  string(): string {
    const [s, e] = this.bytes();
    return new TextDecoder().decode(this.buf.subarray(s, e));
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw this.error(`wire type ${wire} (groups or garbage)`);
    if (this.pos > this.end) throw this.error('a field runs past the end');
  }

  sub(range: [number, number]): Reader {
    return new Reader(this.buf, range[0], range[1], this.source);
  }

  error(what: string): GraphError {
    return new GraphError(`${this.source}: not a readable ONNX model (${what} at byte ${this.pos}), expected an ONNX ModelProto`);
  }
}

/** Read the facts above from an ONNX file's bytes; `source` names it in errors. */
export function readOnnxFacts(bytes: Uint8Array, source: string): OnnxFileFacts {
  const model = new Reader(bytes, 0, bytes.length, source);
  const facts: OnnxFileFacts = { nodes: [], initializers: [] };
  let sawGraph = false;
  for (let k = model.key(); k; k = model.key()) {
    if (k.field === 7 && k.wire === 2) {
      sawGraph = true;
      readGraph(model.sub(model.bytes()), facts);
    } else model.skip(k.wire);
  }
  if (!sawGraph) throw model.error('no graph field');
  return facts;
}

function readGraph(r: Reader, facts: OnnxFileFacts): void {
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === 2) facts.nodes.push(readNode(r.sub(r.bytes())));
    else if (k.field === 5 && k.wire === 2) facts.initializers.push(readTensor(r.sub(r.bytes())));
    else r.skip(k.wire);
  }
}

function readNode(r: Reader): NodeInfo {
  const node: NodeInfo = { opType: '', domain: '', inputs: [], ints: {} };
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === 2) node.inputs.push(r.string());
    else if (k.field === 4 && k.wire === 2) node.opType = r.string();
    else if (k.field === 7 && k.wire === 2) node.domain = r.string();
    else if (k.field === 5 && k.wire === 2) {
      const a = r.sub(r.bytes());
      let name = '';
      let value: number | null = null;
      for (let ak = a.key(); ak; ak = a.key()) {
        if (ak.field === 1 && ak.wire === 2) name = a.string();
        else if (ak.field === 3 && ak.wire === 0) value = a.varint();
        else a.skip(ak.wire);
      }
      if (value !== null) node.ints[name] = value;
    } else r.skip(k.wire);
  }
  return node;
}

function readTensor(r: Reader): InitializerInfo {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let location = 0;
  const entries: Record<string, string> = {};
  for (let k = r.key(); k; k = r.key()) {
    if (k.field === 1 && k.wire === 0) dims.push(r.varint());
    else if (k.field === 1 && k.wire === 2) {
      const packed = r.sub(r.bytes());
      while (packed.pos < packed.end) dims.push(packed.varint());
    } else if (k.field === 2 && k.wire === 0) dataType = r.varint();
    else if (k.field === 8 && k.wire === 2) name = r.string();
    else if (k.field === 14 && k.wire === 0) location = r.varint();
    else if (k.field === 13 && k.wire === 2) {
      const e = r.sub(r.bytes());
      let key = '';
      let value = '';
      for (let ek = e.key(); ek; ek = e.key()) {
        if (ek.field === 1 && ek.wire === 2) key = e.string();
        else if (ek.field === 2 && ek.wire === 2) value = e.string();
        else e.skip(ek.wire);
      }
      entries[key] = value;
    } else r.skip(k.wire);
  }
  const type = DATA_TYPES[dataType] ?? { name: `type ${dataType}`, bytes: 0 };
  const count = dims.reduce((a, b) => a * b, 1);
  const external = location === 1 ? { location: entries.location ?? '', offset: Number(entries.offset ?? 0), length: entries.length === undefined ? null : Number(entries.length) } : null;
  return { name, dataType: type.name, dims, bytes: Math.ceil(count * type.bytes), external };
}

export interface GraphSummary {
  /** "fp16", "fp32", "bf16", or "<bits>-bit MatMulNBits (fp16 elsewhere)". */
  precision: string;
  /** Parameters' bytes by where they are: in the graph file, or per external data file (by the name the graph records). */
  inlineBytes: number;
  externalFiles: { location: string; bytes: number }[];
  /** Operators by name (domain::op for contrib operators), with counts, most frequent first. */
  operators: [string, number][];
  /** Rows of the fused rotary embedding's cos/sin tables (the longest canvas it covers), or null. */
  rotaryPositions: number | null;
}

const FLOAT_LABEL: Record<string, string> = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16', float64: 'fp64' };

export function summarize(facts: OnnxFileFacts): GraphSummary {
  const floatBytes = new Map<string, number>();
  let inlineBytes = 0;
  const external = new Map<string, number>();
  for (const t of facts.initializers) {
    if (t.external) external.set(t.external.location, (external.get(t.external.location) ?? 0) + (t.external.length ?? t.bytes));
    else inlineBytes += t.bytes;
    if (FLOAT_LABEL[t.dataType]) floatBytes.set(t.dataType, (floatBytes.get(t.dataType) ?? 0) + t.bytes);
  }
  const mainFloat = [...floatBytes].sort((a, b) => b[1] - a[1])[0]?.[0];
  const floatLabel = mainFloat ? FLOAT_LABEL[mainFloat] : 'no float weights';
  const nbits = facts.nodes.filter((n) => n.opType === 'MatMulNBits');
  const bits = [...new Set(nbits.map((n) => n.ints.bits ?? 4))].sort();
  const precision = nbits.length > 0 ? `${bits.join('/')}-bit (${nbits.length} MatMulNBits; ${floatLabel} elsewhere)` : floatLabel;
  const ops = new Map<string, number>();
  for (const n of facts.nodes) {
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}::${n.opType}` : n.opType;
    ops.set(op, (ops.get(op) ?? 0) + 1);
  }
  const byName = new Map(facts.initializers.map((t) => [t.name, t]));
  const rotary = facts.nodes
    .filter((n) => n.opType === 'RotaryEmbedding')
    .map((n) => byName.get(n.inputs[2] ?? '')?.dims[0])
    .filter((d): d is number => d !== undefined);
  return {
    precision,
    inlineBytes,
    externalFiles: [...external].map(([location, bytes]) => ({ location, bytes })),
    operators: [...ops].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    rotaryPositions: rotary.length > 0 ? Math.min(...rotary) : null,
  };
}
