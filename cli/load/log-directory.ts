/**
 * DSBulk's log directory, so scripts written around DSBulk keep working: every load writes
 * `<--log.directory>/LOAD_<yyyyMMdd-HHmmss-SSSSSS>/` (default `./logs`), holding
 *
 *   operation.log          the summary as printed, with the warnings and the error
 *   connector.bad          records the readers could not read
 *   connector-errors.log   the same, for people: where each starts, why, its text
 *   mapping.bad            rows that did not convert to the table's types
 *   mapping-errors.log
 *   load.bad               rows Cassandra did not take, after their retries
 *   load-errors.log
 *   summary.json           the load report, as --report writes it
 *
 * A file exists only when it has something to say (operation.log and summary.json always).
 * The `.bad` files are JSON Lines, one object per bad record: a row's own fields, plus
 * `_source` ("file:line"), `_error` and, for load.bad, `_attempts`; a malformed record has
 * its text in `_record`. So once fixed, `sluice load -url mapping.bad -c json …` loads the
 * rows again (the underscored fields match no column and are ignored).
 *
 * While the load runs, the sink instances write their bad rows to one file each in the
 * directory; at the end these are split into mapping.bad and load.bad (a row never sent is a
 * mapping error) and removed.
 */

import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface OperationDirectory {
  dir: string;
  /** Where the malformed-records sink writes (one instance). */
  connectorBad: string;
  /** The sink's bad file: each instance writes `rows-<i>.jsonl` beside it. */
  sinkBadFile: string;
}

export interface BadCounts {
  connector: number;
  mapping: number;
  load: number;
}

/** `LOAD_20261130-101512-123456`: DSBulk's execution id, in UTC, to the microsecond. */
export function executionId(now: Date, micros = 0): string {
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `LOAD_${date}-${time}-${p(now.getUTCMilliseconds() * 1000 + micros, 6)}`;
}

/** Creates this load's directory; a second load in the same microsecond gets the next one. */
export async function createOperationDirectory(
  logDirectory: string,
  now = new Date(),
): Promise<OperationDirectory> {
  await mkdir(logDirectory, { recursive: true });
  for (let micros = 0; ; micros++) {
    const dir = join(logDirectory, executionId(now, micros));
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && micros < 999) continue;
      throw error;
    }
    return {
      dir,
      connectorBad: join(dir, 'connector.bad'),
      sinkBadFile: join(dir, 'rows.jsonl'),
    };
  }
}

/** A line of the sink's bad file, as `formatBadRecord` writes it. */
interface SinkBadLine {
  record: unknown;
  error: { code?: string; message: string };
  attempts: number;
}

/**
 * Splits the sink's per-instance bad files into mapping.bad and load.bad (with their
 * -errors.log), writes connector-errors.log from connector.bad, and removes the instance
 * files. Returns the counts and the .bad files that hold records.
 */
export async function finishBadFiles(
  op: OperationDirectory,
  sinkFiles: readonly string[],
): Promise<{ counts: BadCounts; files: string[] }> {
  const counts: BadCounts = { connector: 0, mapping: 0, load: 0 };
  const outputs = {
    mapping: new LazyFile(join(op.dir, 'mapping.bad')),
    mappingLog: new LazyFile(join(op.dir, 'mapping-errors.log')),
    load: new LazyFile(join(op.dir, 'load.bad')),
    loadLog: new LazyFile(join(op.dir, 'load-errors.log')),
    connectorLog: new LazyFile(join(op.dir, 'connector-errors.log')),
  };
  try {
    for (const path of sinkFiles) {
      for await (const text of lines(path)) {
        const line = JSON.parse(text) as SinkBadLine;
        const isMapping = line.attempts === 0;
        const record = isPlainObject(line.record) ? line.record : { _record: line.record };
        const flat: Record<string, unknown> = { ...record, _error: line.error.message };
        if (!isMapping) flat._attempts = line.attempts;
        const source = typeof record._source === 'string' ? record._source : 'unknown';
        const entry = errorEntry(source, line.error.message, JSON.stringify(line.record));
        if (isMapping) {
          counts.mapping++;
          await outputs.mapping.write(`${JSON.stringify(flat)}\n`);
          await outputs.mappingLog.write(entry);
        } else {
          counts.load++;
          await outputs.load.write(`${JSON.stringify(flat)}\n`);
          await outputs.loadLog.write(`${entry.trimEnd()}\nAttempts: ${line.attempts}\n\n`);
        }
      }
      await rm(path, { force: true });
    }
    for await (const text of lines(op.connectorBad)) {
      const line = JSON.parse(text) as { _source: string; _error: string; _record: string };
      counts.connector++;
      await outputs.connectorLog.write(errorEntry(line._source, line._error, line._record));
    }
  } finally {
    await Promise.all(Object.values(outputs).map((file) => file.close()));
  }
  const files = [
    counts.connector > 0 ? op.connectorBad : undefined,
    outputs.mapping.isOpen ? outputs.mapping.path : undefined,
    outputs.load.isOpen ? outputs.load.path : undefined,
  ].filter((f): f is string => f !== undefined);
  return { counts, files };
}

/** One entry of an -errors.log, as DSBulk's read: where, the record, why. */
function errorEntry(source: string, error: string, record: string): string {
  return `Source: ${source}\nRecord: ${record}\nError: ${error}\n\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The lines of a file; none when it does not exist. */
async function* lines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, 'utf8');
  const missing = new Promise<boolean>((resolve) => {
    stream.once('error', (error) => resolve((error as NodeJS.ErrnoException).code === 'ENOENT'));
    stream.once('open', () => resolve(false));
  });
  if (await missing) return;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line !== '') yield line;
  }
}

/** A file created on its first write, so a clean load leaves no empty files behind. */
class LazyFile {
  readonly path: string;
  private handle: Awaited<ReturnType<typeof open>> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  async write(text: string): Promise<void> {
    this.handle ??= await open(this.path, 'w');
    await this.handle.write(text);
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }
}
