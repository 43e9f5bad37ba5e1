/**
 * onnxruntime-web, set up for this app: its wasm files are served by the app itself (dist/web/ort/),
 * threads need a cross-origin isolated page (the server's COOP/COEP headers), and the execution
 * provider (the device) is WebGPU where the browser offers a hardware adapter, wasm otherwise, or
 * the one ?device= names. The library takes the runtime as an `OrtRuntime` and the device as
 * `loadModel`'s `device` option, checked against the devices this runtime lists.
 */
import type { OrtRuntime } from '../../src/index.js';

type OrtModule = typeof import('onnxruntime-web');

/**
 * The wasm-only build (a 14 MB binary) unless WebGPU is used: the default build's binary carries
 * the WebGPU kernels too (28 MB), which a page on wasm would download and compile for nothing.
 */
const ortModule = (backend: Backend): Promise<OrtModule> => (backend === 'webgpu' ? import('onnxruntime-web') : import('onnxruntime-web/wasm'));

export type Backend = 'wasm' | 'webgpu';

/**
 * wasm threads unless ?threads= says otherwise: onnxruntime-web's own rule, half the cores, at
 * most 4. More threads than idle cores make every call slower: the workers spin while they wait
 * (on this 2-core machine with one core training, 2 threads ran 1.5–3.5× slower than 1).
 */
const defaultThreads = (cores: number): number => Math.min(4, Math.ceil(cores / 2));

/** The devices by the names onnxruntime-web (and the library's `device` option) give them, with what they run on. */
export const DEVICES: Record<Backend, string> = { wasm: 'wasm (CPU)', webgpu: 'webgpu (GPU)' };
const isBackend = (v: string): v is Backend => Object.hasOwn(DEVICES, v);

export interface RuntimeSettings {
  /** The device models are loaded on (`loadModel`'s `device`). */
  backend: Backend;
  /** The devices the page offers: wasm, and webgpu with a hardware adapter (or a software one ?device=webgpu asked for). */
  devices: Backend[];
  threads: number;
  /** Why this backend: the URL asked for it, or what the browser offers. */
  reason: string;
  crossOriginIsolated: boolean;
  /** The WebGPU adapter's description, or why there is none. */
  gpu: string;
}

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

const isGpu = (g: unknown): g is GpuLike => typeof g === 'object' && g !== null && typeof Reflect.get(g, 'requestAdapter') === 'function';

/** The browser's WebGPU adapter: null when it has none; `software` when it is a fallback (CPU) adapter. */
async function gpuAdapter(): Promise<{ adapter: GpuAdapterLike; software: boolean; text: string } | null> {
  const gpu: unknown = Reflect.get(navigator, 'gpu');
  if (!isGpu(gpu)) return null;
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return null;
  }
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  const text = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
  return { adapter, software, text: software ? `${text} (software)` : text };
}

/**
 * Read ?device= (or its older name ?backend=) and ?threads= and start onnxruntime-web: the settings
 * and the runtime to load models with. Both are page settings: the wasm thread count is fixed once
 * the runtime starts, and the device decides which onnxruntime-web build the page loads. `base` is
 * the page's URL (the app's folder): the worker that runs this lives under assets/.
 */
export async function configureRuntime(params: URLSearchParams, base: string): Promise<{ settings: RuntimeSettings; runtime: OrtRuntime; threadsInUse: () => number }> {
  const isolated = globalThis.crossOriginIsolated === true;
  const maxThreads = isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1;
  const askedThreads = Number(params.get('threads') ?? NaN);
  const threads = Number.isInteger(askedThreads) && askedThreads >= 1 ? Math.min(askedThreads, maxThreads) : Math.min(defaultThreads(navigator.hardwareConcurrency || 1), maxThreads);
  const gpu = await gpuAdapter();
  // `cpu`, the library's name for the CPU provider in Node, is onnxruntime-web's wasm.
  const named = params.get('device') ?? params.get('backend');
  const asked = named === 'cpu' ? 'wasm' : named;
  // A software adapter is offered only when the URL asks for it (the bench's WebGPU figure).
  const devices: Backend[] = gpu && (!gpu.software || asked === 'webgpu') ? ['wasm', 'webgpu'] : ['wasm'];
  let backend: Backend;
  let reason: string;
  const auto = (): [Backend, string] =>
    gpu && !gpu.software ? ['webgpu', 'the browser offers a hardware WebGPU adapter'] : ['wasm', gpu ? 'the only WebGPU adapter is a software one (slower than wasm)' : 'the browser offers no WebGPU adapter'];
  if (asked !== null && isBackend(asked)) {
    backend = asked === 'webgpu' && !gpu ? 'wasm' : asked;
    reason = backend === asked ? 'asked for in the URL' : 'WebGPU was asked for but the browser has no adapter';
  } else if (asked !== null) {
    const [fallback, why] = auto();
    backend = fallback;
    reason = `?device=${asked} is not a device of onnxruntime-web in this browser, expected one of ${devices.join(', ')}; ${why}`;
  } else [backend, reason] = auto();
  const extra = sessionOptionsOf(params.get('session'));
  const ort = await ortModule(backend);
  ort.env.wasm.wasmPaths = new URL('ort/', base).href;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return {
    settings: { backend, devices, threads, reason, crossOriginIsolated: isolated, gpu: gpu ? gpu.text : 'none' },
    runtime: ortRuntime(ort, backend, extra),
    // onnxruntime-web lowers env.wasm.numThreads to 1 when its first session finds threads unavailable.
    threadsInUse: () => ort.env.wasm.numThreads ?? 1,
  };
}

type SessionOptions = NonNullable<Parameters<OrtModule['InferenceSession']['create']>[1]>;

/**
 * ?session={...}: extra onnxruntime session options (JSON), e.g.
 * {"extra":{"session":{"intra_op":{"allow_spinning":"0"}}}}; what `npm run bench:web` tries.
 */
function sessionOptionsOf(text: string | null): SessionOptions {
  if (text === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`?session=${text}: invalid JSON (${e instanceof Error ? e.message : String(e)}), expected onnxruntime session options`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`?session=${text}: expected a JSON object of onnxruntime session options`);
  return { ...parsed };
}

/**
 * onnxruntime-web as the library's `OrtRuntime` (with `extra` session options): sessions run on the
 * device `loadModel`'s `device` option names, `backend` when it names none. The devices it lists
 * are those this build runs: the library refuses any other before a session is made.
 */
function ortRuntime(ort: OrtModule, backend: Backend, extra: SessionOptions): OrtRuntime {
  const offered: Backend[] = backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
  return {
    InferenceSession: {
      // Severity 3 = errors only: onnxruntime's warnings (e.g. shape ops placed on the CPU under WebGPU) would reach the console as errors.
      create: (model, options) => ort.InferenceSession.create(model, { logSeverityLevel: 3, ...options, ...extra, executionProviders: options?.executionProviders ?? [backend] }),
    },
    Tensor: ort.Tensor,
    listSupportedBackends: () => offered.map((name) => ({ name, bundled: true })),
  };
}
