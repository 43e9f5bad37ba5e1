/** The onnxruntime module a backend is given (node or web), and the device it runs on. */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { GraphError } from './graph-error.js';

/** The part of an onnxruntime module (node or web) the backend uses. */
export interface OrtRuntime {
  /** onnxruntime-node's also takes a file path (see `openSession`), which this type leaves out so that any runtime fits. */
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: {
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): Tensor;
    new (type: 'float32', data: Float32Array, dims: readonly number[]): Tensor;
    /** float16 as raw bits (an additive mask for an fp16 graph). */
    new (type: 'float16', data: Uint16Array, dims: readonly number[]): Tensor;
  };
  /** onnxruntime-node: the execution providers this build knows (`bundled: false` = a separate install). */
  listSupportedBackends?: () => readonly { name: string; bundled: boolean }[];
}

/**
 * The session options for `device` (an onnxruntime execution provider: cpu, cuda, webgpu, …):
 * checked against what the runtime offers, so a missing one is named before a session is made.
 */
export function deviceOptions(ort: OrtRuntime, device: string | undefined, source: string): Pick<InferenceSession.SessionOptions, 'executionProviders'> {
  if (device === undefined) return {};
  const offered = ort.listSupportedBackends?.();
  if (offered && !offered.some((b) => b.name === device))
    throw new GraphError(`${source}: device (--device) is ${JSON.stringify(device)}, expected one of ${offered.map((b) => b.name).join(', ')} (the execution providers of this onnxruntime)`);
  return { executionProviders: [device] };
}

/** Why a session on `device` failed, when the runtime says the provider is not bundled (CUDA, TensorRT). */
export function deviceHint(ort: OrtRuntime, device: string | undefined): string {
  const backend = device === undefined ? undefined : ort.listSupportedBackends?.().find((b) => b.name === device);
  return backend && !backend.bundled
    ? ` (the ${device} execution provider is not bundled with onnxruntime-node: its binaries are a separate install, see docs/onnx-models.md, "Devices")`
    : '';
}
