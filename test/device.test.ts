/**
 * --device (onnxruntime execution providers): what the installed runtime offers is accepted,
 * anything else is named before a session is made; a provider whose binaries are a separate
 * install (CUDA) fails with a message that says so.
 */
import { listSupportedBackends } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

describe('--device', () => {
  it('cpu decodes; an unknown provider is refused naming the ones this runtime has', async () => {
    const ok = await cli('generate', '--model', 'text', '--prompt', 'ROMEO', '--gen-length', '4', '--sampler', 'confidence', '--device', 'cpu');
    expect(ok.code).toBe(0);
    const bad = await cli('generate', '--model', 'text', '--prompt', 'ROMEO', '--gen-length', '4', '--device', 'tpu');
    expect(bad.code).toBe(2);
    const names = listSupportedBackends().map((b) => b.name);
    expect(bad.stderr).toBe(`infogain: ${process.cwd()}/models/text/model.onnx: device (--device) is "tpu", expected one of ${names.join(', ')} (the execution providers of this onnxruntime)`);
  });

  const cuda = listSupportedBackends().find((b) => b.name === 'cuda');
  it.runIf(cuda && !cuda.bundled)('a provider that is not bundled (CUDA) says it is a separate install', async () => {
    const r = await cli('compare', '--model', 'text', '--n', '1', '--device', 'cuda');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot load the graph on device cuda: .*\(the cuda execution provider is not bundled with onnxruntime-node: its binaries are a separate install, see docs\/onnx-models.md, "Devices"\)$/);
  });
});
