/**
 * One writer per output directory. Two evaluations appending to one results.jsonl would both
 * decode every example and duplicate every line, so a writer first creates `<dir>/infogain.lock`
 * with `open(…, 'wx')` (atomic: exactly one creator wins) holding its pid, host, start time and
 * command. The lock is removed when the writer finishes, fails, exits or is interrupted
 * (SIGINT/SIGTERM/SIGHUP); after kill -9 it stays behind and the next writer on the same host
 * sees that its pid is gone and takes it over with a note.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const LOCK_FILE = 'infogain.lock';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface DirLock {
  path: string;
  /** The topmost folder taking the lock created (null: the directory was there already). */
  created: string | null;
  /** A note when a stale lock was taken over, else null. */
  note: string | null;
  release(): void;
}

/** A lock file still being written by its creator (empty or torn) is young: treat it as held. */
const YOUNG_MS = 5_000;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function parseHolder(text: string | null): LockHolder | null {
  try {
    const h = JSON.parse(text ?? '') as LockHolder;
    return Number.isInteger(h?.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const WHY: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EEXIST: 'the path is a file, not a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  ENOENT: 'the folder cannot be created there',
};

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns on some paths that
 * cannot be created (e.g. under /proc it retries forever); a plain mkdir fails at once. Returns
 * the topmost folder it created (null: `dir` was there), so a run that is refused can remove it.
 */
function mkdirs(dir: string, isTarget = true): string | null {
  try {
    if (statSync(dir).isDirectory()) return null;
    throw Object.assign(new Error(`${dir} is a file`), { code: isTarget ? 'EEXIST' : 'ENOTDIR' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const parent = dirname(dir);
  const above = parent !== dir ? mkdirs(parent, false) : null;
  mkdirSync(dir);
  return above ?? dir;
}

const writeError = (dir: string, what: string, e: unknown): Error => {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return new Error(`${what}: cannot write to ${dir}: ${WHY[code] ?? (e as Error).message}${WHY[code] ? ` (${code})` : ''}`);
};

/** Create and remove a probe file in `folder`: the one sure test that files can be created there. */
function probe(folder: string): void {
  const path = join(folder, `.infogain-write-test-${process.pid}`);
  closeSync(openSync(path, 'w'));
  unlinkSync(path);
}

/**
 * Create `dir` if needed and prove it writable by creating and removing a probe file, so that a
 * bad output path fails in one line before any work, not after it (or never). Returns the topmost
 * folder it created, or null when `dir` already existed.
 */
export function ensureWritableDir(dir: string, what: string): string | null {
  let created: string | null = null;
  try {
    created = mkdirs(resolve(dir));
  } catch (e) {
    throw writeError(dir, what, e);
  }
  if (!statSync(dir).isDirectory()) throw writeError(dir, what, { code: 'EEXIST' });
  try {
    probe(dir);
  } catch (e) {
    throw writeError(dir, what, e);
  }
  return created;
}

/**
 * The same verdict as `ensureWritableDir` without creating anything: every part of `dir` that
 * exists is a folder, and the deepest existing one takes a new file (a probe, removed at once).
 * For a check that runs before the rest of a command's input is validated, so that a refused
 * command leaves no empty output folder behind.
 */
export function checkWritableDir(dir: string, what: string): void {
  const target = resolve(dir);
  let folder = target;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(folder).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: a part above is a file; the walk up finds it and names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw writeError(dir, what, e);
      const parent = dirname(folder);
      if (parent === folder) throw writeError(dir, what, e);
      folder = parent;
      continue;
    }
    if (!isDir) throw writeError(dir, what, { code: folder === target ? 'EEXIST' : 'ENOTDIR' });
    break;
  }
  try {
    probe(folder);
  } catch (e) {
    // A folder that takes no file cannot take the missing folders either.
    throw writeError(dir, what, e);
  }
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(holder) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Take the lock on `dir` (created if missing) or throw an error naming the directory and the
 * live holder. `what` names the writer in the message (e.g. "eval", "eval merge").
 */
export function lockDir(dir: string, what: string): DirLock {
  const created = ensureWritableDir(dir, what);
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: process.argv.slice(2).join(' ') };
  // The signal handlers go in before the lock file can exist: a signal that arrived between the
  // file's creation and the handlers would take the default action and leave the lock behind.
  let owned = false;
  let released = false;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    for (const s of signals) process.off(s, onSignal);
    if (!owned) return;
    // Only our own lock is removed: never one that another writer took over.
    const now = parseHolder(readText(path));
    if (now?.pid === me.pid && now.since === me.since) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    // With our handler gone, the signal's default action (exit) applies again.
    process.kill(process.pid, signal);
  };
  process.on('exit', release);
  for (const s of signals) process.on(s, onSignal);
  let note: string | null = null;
  try {
    note = acquire(path, me, what, dir);
  } catch (e) {
    release();
    throw e;
  }
  owned = true;
  return { path, created, note, release };
}

/** Create the lock file, taking over a stale one; the note says when it did. */
function acquire(path: string, me: LockHolder, what: string, dir: string): string | null {
  let note: string | null = null;
  for (let attempt = 0; !tryCreate(path, me); attempt++) {
    const seen = readText(path);
    if (seen === null) continue; // released meanwhile: try again
    const holder = parseHolder(seen);
    const stale = holder ? holder.host === me.host && !alive(holder.pid) : ageMs(path) > YOUNG_MS;
    if (!stale || attempt >= 3) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}${holder.command ? `, command "${holder.command}"` : ''}` : 'a process that is still creating it';
      throw new Error(
        `${what}: ${dir} is in use by another evaluation (${who}); wait for it to finish or use another --out` +
          (holder && holder.host !== me.host ? `; if that process is gone, remove ${path}` : ''),
      );
    }
    // Move the stale lock aside under a name of our own (rename is atomic), then check that what
    // moved is the stale lock we judged: if another writer took it over in between, what moved
    // is that writer's live lock, which goes back (link fails rather than overwrite).
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (readText(aside) !== seen) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone created a lock meanwhile; the loop reads and judges it.
      }
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
    note = `${what}: took over the stale lock ${path}` + (holder ? ` of pid ${holder.pid} (since ${holder.since}), which is no longer running` : ' (empty or unreadable)');
  }
  return note;
}
