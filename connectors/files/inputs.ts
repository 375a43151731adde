/**
 * What a file source reads: the user names inputs as a file, a directory, a glob, several of
 * these comma-separated, or `-` for stdin; `resolveInputs` turns them into a sorted list of
 * regular files, each with its size and whether it is gzip.
 *
 * Gzip is told by its magic bytes (1f 8b), not by the name, because a misnamed file would
 * otherwise be parsed as garbage (or a plain file named .gz fail to inflate). A gzip stream
 * cannot be entered mid-way, so a gzip file is read whole by one reader (see `byte-ranges.ts`).
 *
 * Every reader resolves the same inputs by itself and must find the same files: the list is
 * sorted, and the files must not change while a job reads them.
 *
 * Glob syntax (Node 20 has no fs.glob): `*` and `?` within one path segment, `**` for any
 * number of segments, `[abc]`/`[a-z]`/`[!x]` classes and `{a,b}` alternatives. As in a
 * shell, wildcards do not match names starting with a dot.
 */

import type { Dirent } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { ConfigError, ConnectorError } from '../../runtime/errors.ts';
import type { ChunkSource } from './record-slicer.ts';

export interface InputFile {
  path: string;
  /** Bytes on disk (compressed, for gzip). */
  size: number;
  isGzip: boolean;
}

export interface InputOptions {
  /** Directories: descend into subdirectories too; default false. */
  recursive?: boolean;
  /**
   * Directories: only names ending with one of these (".csv", ".csv.gz"), compared without
   * case; default: every file. Files named explicitly or by a glob are never filtered.
   */
  extensions?: readonly string[];
}

export const STDIN = '-';
const GLOB_CHARS = /[*?[{]/;
const INSPECT_AT_ONCE = 32;

/**
 * `"a.csv, dir/,logs/*.gz"` → the entries, trimmed; stdin stays `-`. A comma inside a glob's
 * `{a,b}` does not split.
 */
export function splitInputs(list: string | readonly string[]): string[] {
  const parts = (typeof list === 'string' ? [list] : list)
    .flatMap(splitTopLevel)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(localPath);
  if (parts.length === 0) {
    throw new ConfigError('no input given: name a file, a directory, a glob or -');
  }
  if (parts.includes(STDIN) && parts.length > 1) {
    throw new ConfigError(`stdin (-) cannot be combined with other inputs (${parts.join(', ')})`);
  }
  return parts;
}

/** DSBulk users write `file:///data/x.csv`; only local files are read. */
function localPath(entry: string): string {
  if (entry.startsWith('file://')) return fileURLToPath(entry);
  const scheme = /^([a-z][a-z0-9+.-]+):\/\//i.exec(entry)?.[1];
  if (scheme !== undefined) {
    throw new ConfigError(`input ${entry}: ${scheme} URLs are not supported; name a local file`);
  }
  return entry;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth = Math.max(0, depth - 1);
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}

export function isStdin(list: string | readonly string[]): boolean {
  const parts = splitInputs(list);
  return parts.length === 1 && parts[0] === STDIN;
}

/**
 * The files the inputs name, in order of the inputs and sorted within each; a file named twice
 * is read once. A path that does not exist fails naming it; an input that matches nothing fails
 * saying so, since loading nothing is never what was meant.
 */
export async function resolveInputs(
  list: string | readonly string[],
  options: InputOptions = {},
): Promise<InputFile[]> {
  const parts = splitInputs(list);
  if (parts.includes(STDIN)) throw new ConfigError('stdin (-) is not a file input');
  const extensions = (options.extensions ?? []).map((e) => e.toLowerCase());
  const seen = new Set<string>();
  const files: InputFile[] = [];
  for (const part of parts) {
    const paths = GLOB_CHARS.test(part)
      ? await expandGlob(part)
      : await expandPath(part, options.recursive === true, extensions);
    const fresh = paths.filter((path) => !seen.has(path));
    for (const path of fresh) seen.add(path);
    // A directory of many small files: look at them a few at a time, not one by one.
    for (let i = 0; i < fresh.length; i += INSPECT_AT_ONCE) {
      files.push(...(await Promise.all(fresh.slice(i, i + INSPECT_AT_ONCE).map(inputFile))));
    }
  }
  return files;
}

/** Size and gzip-ness of one regular file; a missing or unreadable file fails naming it. */
export async function inputFile(path: string): Promise<InputFile> {
  let handle: FileHandle | undefined;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    handle = await open(path, 'r');
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return { path, size: info.size, isGzip: bytesRead === 2 && isGzipMagic(magic) };
  } catch (error) {
    throw cannotRead(path, error);
  } finally {
    await handle?.close();
  }
}

export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function cannotRead(path: string, error: unknown): ConnectorError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
  return new ConnectorError(`input ${path}: ${why}`, { cause: error, details: { path } });
}

async function expandPath(
  path: string,
  recursive: boolean,
  extensions: readonly string[],
): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw cannotRead(path, error);
  }
  if (!isDirectory) return [path];
  const found = (await walk(path, recursive ? Number.POSITIVE_INFINITY : 1)).filter(
    (file) => extensions.length === 0 || extensions.some((e) => file.toLowerCase().endsWith(e)),
  );
  if (found.length === 0) {
    const filter = extensions.length > 0 ? ` named *${extensions.join(', *')}` : '';
    throw new ConnectorError(
      `input ${path}: the directory holds no files${filter}${recursive ? '' : ' (not recursive)'}`,
      { details: { path } },
    );
  }
  return found;
}

/** Regular files under `dir` down to `depth` levels, sorted, hidden entries skipped. */
async function walk(dir: string, depth: number): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw cannotRead(dir, error);
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isFile()) {
      out.push(path);
    } else if (entry.isDirectory()) {
      if (depth > 1) out.push(...(await walk(path, depth - 1)));
    } else if (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile()) {
      // A link to a file is read; a link to a directory is not followed, so a link that
      // points back up the tree cannot make the walk endless.
      out.push(path);
    }
  }
  return out;
}

/** Code-unit order, not locale order: every thread and machine sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files a glob matches, sorted. The part before the first wildcard segment is walked. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const segments = pattern.split('/');
  const firstWild = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = normalize(
    segments.slice(0, firstWild).join('/') || (pattern.startsWith('/') ? '/' : '.'),
  );
  const rest = segments.slice(firstWild);
  const matcher = globMatcher(rest.join('/'));
  const depth = rest.includes('**') ? Number.POSITIVE_INFINITY : rest.length;
  let files: string[];
  try {
    files = (await stat(base)).isDirectory() ? await walk(base, depth) : [];
  } catch {
    files = [];
  }
  const matches = files.filter((file) => matcher(relativeTo(base, file)));
  if (matches.length === 0) {
    throw new ConnectorError(`input ${pattern}: nothing matched`, { details: { path: pattern } });
  }
  return matches;
}

function relativeTo(base: string, file: string): string {
  if (base === '.') return file;
  const head = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(head) ? file.slice(head.length) : file;
}

/** A test of relative paths ("a/b.csv") against a glob; see the file header for the syntax. */
export function globMatcher(glob: string): (path: string) => boolean {
  const regex = new RegExp(`^${globSource(glob)}$`);
  return (path) => regex.test(path);
}

function globSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const atSegmentStart = i === 0 || glob[i - 1] === '/';
    if (c === '*' && glob[i + 1] === '*' && atSegmentStart && (glob[i + 2] ?? '/') === '/') {
      // "**/" is zero or more whole segments that do not start with a dot.
      const isLast = i + 2 >= glob.length;
      out += isLast ? '(?:[^./][^/]*(?:/[^./][^/]*)*)?' : '(?:[^./][^/]*/)*';
      i += isLast ? 1 : 2;
    } else if (c === '*') {
      out += atSegmentStart ? '(?:[^./][^/]*)?' : '[^/]*';
    } else if (c === '?') {
      out += atSegmentStart ? '[^./]' : '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const isNegated = body.startsWith('!') || body.startsWith('^');
      if (isNegated) body = body.slice(1);
      out += `[${isNegated ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) {
        out += '\\{';
        continue;
      }
      const options = glob.slice(i + 1, close).split(',');
      out += `(?:${options.map(globSource).join('|')})`;
      i = close;
    } else {
      out += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
  }
  return out;
}

/**
 * The inflated bytes of a gzip stream read from `compressed`, as a chunk source. Concatenated
 * gzip members (as `cat a.gz b.gz` makes) are read one after the other.
 */
export function gunzipChunks(compressed: ChunkSource, where: string): ChunkSource {
  const gunzip = createGunzip();
  const feed = async () => {
    try {
      for (let chunk = await compressed.read(); chunk; chunk = await compressed.read()) {
        // Respect the inflater's buffer: wait for it to drain rather than hold the whole file.
        if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  };
  const inflated = gunzip[Symbol.asyncIterator]();
  let isFeeding = false;
  return {
    async read() {
      if (!isFeeding) {
        isFeeding = true;
        void feed();
      }
      try {
        const step = await inflated.next();
        return step.done ? null : (step.value as Buffer);
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        throw new ConnectorError(`${where}: not a valid gzip stream: ${(error as Error).message}`, {
          cause: error,
          details: { path: where },
        });
      }
    },
  };
}

/**
 * A stream that may be gzip: the first bytes decide. Used for stdin, where there is no name
 * and no second look.
 */
export function maybeGunzip(source: ChunkSource, where: string): ChunkSource {
  let decided: ChunkSource | undefined;
  return {
    async read() {
      if (decided === undefined) {
        let head = await source.read();
        // Two bytes decide; a first chunk of one byte is rare but possible on a pipe.
        while (head !== null && head.length < 2) {
          const more = await source.read();
          if (more === null) break;
          head = Buffer.concat([head, more]);
        }
        if (head === null) return null;
        const first = head;
        let isFirstTaken = false;
        const replay: ChunkSource = {
          read: async () => {
            if (isFirstTaken) return source.read();
            isFirstTaken = true;
            return first;
          },
        };
        decided = isGzipMagic(first) ? gunzipChunks(replay, where) : replay;
      }
      return decided.read();
    },
  };
}
