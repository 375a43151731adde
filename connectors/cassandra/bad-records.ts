/**
 * The bad-records file: one JSON line per record the sink could not write.
 *
 * Each line holds the record as received, the error (code and message) and the number of
 * attempts made, so the file can be fixed up and loaded again. Each sink instance writes its
 * own file (".<instance>" is inserted before the extension when there are several), which
 * needs no locking across threads. The file is created on the first bad record and truncated
 * then, so a clean run leaves no file behind and a previous run's file never mixes in.
 * Lines are appended in order through one promise chain.
 */

import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SluiceError } from '../../runtime/errors.ts';

export interface BadRecord {
  record: unknown;
  error: unknown;
  attempts: number;
}

/** JSON for values JSON cannot carry: bigint as a decimal string, bytes as a CQL hex literal. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (typeof raw === 'bigint') return raw.toString();
  if (raw instanceof Uint8Array)
    return `0x${Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('hex')}`;
  if (raw instanceof Map) return Object.fromEntries(raw);
  if (raw instanceof Set) return [...raw];
  return value;
}

export function formatBadRecord(bad: BadRecord): string {
  const error =
    bad.error instanceof Error
      ? { code: (bad.error as SluiceError).code ?? bad.error.name, message: bad.error.message }
      : { message: String(bad.error) };
  return `${JSON.stringify({ record: bad.record, error, attempts: bad.attempts }, replacer)}\n`;
}

export class BadRecordsFile {
  readonly path: string;
  #count = 0;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(path: string) {
    this.path = path;
  }

  get count(): number {
    return this.#count;
  }

  append(bad: BadRecord): void {
    this.#count++;
    const line = formatBadRecord(bad);
    this.#handle ??= mkdir(dirname(this.path), { recursive: true }).then(() =>
      open(this.path, 'w'),
    );
    const handle = this.#handle;
    this.#tail = this.#tail
      .then(async () => {
        await (await handle).write(line);
      })
      .catch((error) => {
        this.#failure ??= error;
      });
  }

  /** Resolves once every line appended so far is written; rejects if the file could not be written. */
  async flush(): Promise<void> {
    await this.#tail;
    if (this.#failure !== undefined) {
      throw new SluiceError(`cannot write the bad-records file ${this.path}`, {
        code: 'ERR_CONNECTOR',
        cause: this.#failure,
      });
    }
  }

  async close(): Promise<void> {
    await this.#tail;
    if (this.#handle) await (await this.#handle.catch(() => undefined))?.close();
    this.#handle = undefined;
  }
}
