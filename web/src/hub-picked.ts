/**
 * A Hugging Face ONNX folder picked from disk (docs/real-models.md): the graph the CLI would run
 * from its onnx/ files, and the external data files that graph records, as the library's
 * `OnnxModelSource` (bytes for the graph, blob URLs for its weights).
 *
 * The weights go to onnxruntime-web as blob: URLs of the picked files rather than as bytes: it
 * fetches them itself and streams a large file into memory it sizes from the length, where reading
 * a 1.4 GB `.onnx.data` into an ArrayBuffer here first would hold a second copy in the worker.
 */
import type { OnnxModelSource } from '../../src/index.js';
import { checkExternalLocation, defaultGraph, externalDataNeeds } from '../../src/models/hub-layout.js';
import { readOnnxFacts } from '../../src/models/onnx-proto.js';
import type { PickedFiles } from './protocol.js';

/** The picked graph's source: what the CLI's `--model <folder>` would run (defaultGraph), with the data files it names. */
export async function hubPickedSource(picked: PickedFiles, graphs: readonly File[]): Promise<{ source: OnnxModelSource; release: () => void }> {
  const name = defaultGraph(graphs.map((g) => g.name))!;
  const graph = graphs.find((g) => g.name === name)!;
  const label = `${picked.label}/onnx/${name}`;
  const bytes = new Uint8Array(await graph.arrayBuffer());
  const needs = externalDataNeeds(readOnnxFacts(bytes, label));
  const have = new Map((picked.externalData ?? []).map((f) => [f.name, f]));
  const urls: string[] = [];
  const externalData = [...needs].map(([location, size]) => {
    checkExternalLocation(location, label);
    const file = have.get(location);
    if (!file)
      throw new Error(`${label}: its weights are in the external data file ${location}, which was not picked, expected it picked with the graph (the .onnx.data file downloaded beside it in onnx/)`);
    if (file.size < size)
      throw new Error(`${picked.label}/onnx/${location}: ${file.size.toLocaleString('en-US')} bytes, expected at least ${size.toLocaleString('en-US')} (what ${name} reads from it; an interrupted download?)`);
    const url = URL.createObjectURL(file);
    urls.push(url);
    return { path: location, data: url };
  });
  const source: OnnxModelSource = { onnx: bytes, layout: 'hub', graphName: name, source: picked.label, ...(externalData.length > 0 ? { externalData } : {}) };
  return { source, release: () => urls.forEach((u) => URL.revokeObjectURL(u)) };
}
