/** SHA-256 of files, streamed (a 1.4 GB external-data file is never held in memory). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `{name: "sha256:<hex>"}` for each name under root, in the order given. */
export async function fileHashes(root: string, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = `sha256:${await sha256File(join(root, name))}`;
  return out;
}
