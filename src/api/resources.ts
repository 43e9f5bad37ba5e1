/**
 * Where model files come from in any environment: bytes in memory, a URL fetched with the global
 * `fetch`, or (for JSON) an already parsed object.
 */

/** Bytes, or a URL (a `URL` or an absolute URL string) to fetch them from. */
export type BinaryResource = Uint8Array | ArrayBuffer | URL | string;
/** A JSON file: its parsed content (an object), its bytes, or a URL. */
export type JsonResource = BinaryResource | Record<string, unknown>;

export class ResourceError extends Error {
  override name = 'ResourceError';
}

function isBinaryOrUrl(r: JsonResource): r is BinaryResource {
  return typeof r === 'string' || r instanceof URL || r instanceof Uint8Array || r instanceof ArrayBuffer;
}

async function fetchBytes(url: URL | string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ResourceError(`${what}: cannot fetch ${String(url)} (${(e as Error).message})`);
  }
  if (!response.ok) throw new ResourceError(`${what}: ${String(url)} answered HTTP ${response.status}, expected the file`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The bytes of a resource; `what` names it in errors. */
export async function readBytes(resource: BinaryResource, what: string): Promise<Uint8Array> {
  if (resource instanceof Uint8Array) return resource;
  if (resource instanceof ArrayBuffer) return new Uint8Array(resource);
  return fetchBytes(resource, what);
}

/** The parsed content of a JSON resource; `what` names it in errors. */
export async function readJson(resource: JsonResource, what: string): Promise<unknown> {
  if (!isBinaryOrUrl(resource)) return resource;
  const text = new TextDecoder().decode(await readBytes(resource, what));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ResourceError(`${what}: invalid JSON (${(e as Error).message})`);
  }
}

/** A JSON file beside a base URL, or null when the server has none (HTTP 404). */
export async function fetchOptionalJson(base: URL, name: string): Promise<unknown> {
  const url = new URL(name, base);
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new ResourceError(`${name}: ${url.href} answered HTTP ${response.status}`);
  return readJson(new Uint8Array(await response.arrayBuffer()), url.href);
}

/** A URL string or URL as a directory URL (with a trailing slash), so relative names resolve inside it. */
export function directoryUrl(url: URL | string): URL {
  const href = typeof url === 'string' ? url : url.href;
  return new URL(href.endsWith('/') ? href : `${href}/`);
}
