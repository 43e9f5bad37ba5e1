/** `infogain inspect`: a model directory's card, graph and tokenizer. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadModel } from '../../models/builtin.js';
import { HUB_CACHE_NOTE, hubReport } from '../../models/hub-report.js';
import { OnnxDenoiser } from '../../models/onnx.js';
import { STATS_GRAPH_MIN_VOCAB } from '../../models/stats-graph.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('print a model directory\'s card, graph inputs/outputs and tokenizer')
    .argument('<dir>', 'model directory (model.onnx + model.json [+ tokenizer.json])')
    .action(async (dir: string) => {
      const { model, tokenizer, hub } = await loadModel(dir);
      if (!(model instanceof OnnxDenoiser)) throw new Error(`${dir}: not a model directory`);
      console.log(hub ? `model card (${dir}: the graph's convention, the tokenizer's ids${existsSync(join(dir, 'model.json')) ? ', model.json' : ''}):` : `model card (${dir}/model.json, presets and tokenizer ids resolved):`);
      // The card stores "no limit" as Number.MAX_SAFE_INTEGER; a reader should see the word. A long
      // suppressTokens (Qwen3's 266 padding rows) is shown as its ends and count.
      const shown = (key: string, value: unknown) =>
        key === 'contextLimit' && value === Number.MAX_SAFE_INTEGER ? 'unlimited'
          : key === 'suppressTokens' && Array.isArray(value) && value.length > 8 ? `${value.slice(0, 3).join(', ')}, …, ${value.at(-1)} (${value.length} ids)`
            : value;
      console.log(JSON.stringify(model.card, shown, 2));
      const meta = (list: typeof model.session.inputMetadata) =>
        list.map((m) => (m.isTensor ? `  ${m.name}: ${m.type} [${m.shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]` : `  ${m.name}: (non-tensor)`));
      console.log('graph inputs:');
      for (const line of meta(model.session.inputMetadata)) console.log(line);
      console.log('graph outputs:');
      for (const line of meta(model.session.outputMetadata)) console.log(line);
      if (hub) for (const line of hubReport(hub, model.io, model.card)) console.log(line);
      for (const line of statisticsReport(model)) console.log(line);
      const cache = model.card.cache;
      console.log(cache ? `cache graph: ${cache.graph} (${cache.layers} layers × ${cache.heads} heads × ${cache.headDim}; use_cache=prefix|dual)` : `cache graph: none (use_cache=none only${hub ? `: ${HUB_CACHE_NOTE}` : ''})`);
      const devices = (await import('onnxruntime-node')).listSupportedBackends();
      console.log(`devices (--device): ${devices.map((d) => (d.bundled ? d.name : `${d.name} (separate install)`)).join(', ')}`);
      console.log(tokenizer ? `tokenizer: ${tokenizer.summary()}` : 'tokenizer: none (no tokenizer.json, nor vocab.json + merges.txt: prompts are token ids)');
    });
}

/** Where the statistics come from: the graph's head, infogain's statistics graph on the logits, or JavaScript. */
export function statisticsReport(model: OnnxDenoiser): string[] {
  const V = model.card.vocabSize.toLocaleString('en-US');
  const head = `statistics head: ${model.io.hasStatsHead ? (model.statistics === 'head' ? 'yes (used)' : 'yes (not used: statsHead false)') : 'no'}`;
  if (model.statistics === 'head') return [head];
  if (model.statistics === 'graph')
    return [head, `statistics: infogain's statistics graph (stats-graph/${model.io.logitsType}.onnx), a second onnxruntime session on the ${model.io.logitsType} logits: no logits are reduced in JavaScript`];
  const why = model.io.hasStatsHead ? 'statsHead false' : model.card.vocabSize < STATS_GRAPH_MIN_VOCAB ? `V = ${V}, below the ${STATS_GRAPH_MIN_VOCAB.toLocaleString('en-US')} from which the statistics graph is used by default` : 'statsGraph false';
  return [head, `statistics: the logits are reduced in JavaScript (${why})`];
}
