import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChunkSource } from '../../../connectors/files/record-slicer.ts';
import type { InstanceContext, MalformedRecord, Source } from '../../../runtime/graph/connector.ts';

export function context(instance: number, parallelism: number): InstanceContext {
  return { operatorId: 'src#0', instance, parallelism, signal: new AbortController().signal };
}

/** Every instance's records, instance by instance, read as the runtime would (open, next…, close). */
export async function readInstances<T>(source: Source<T>, parallelism: number): Promise<T[][]> {
  const out: T[][] = [];
  for (let i = 0; i < parallelism; i++) {
    const reader = await source.open(context(i, parallelism));
    const records: T[] = [];
    try {
      for (let batch = await reader.next(); batch; batch = await reader.next()) {
        expect(batch.length).toBeGreaterThan(0);
        records.push(...batch);
      }
    } finally {
      await reader.close();
    }
    out.push(records);
  }
  return out;
}

/**
 * As `readInstances`, for a job that takes the source's malformed records: each instance's
 * rows and malformed records, taken after every `next()` as the actor takes them.
 */
export async function readKeepingMalformed<T>(
  source: Source<T>,
  parallelism: number,
): Promise<Array<{ rows: T[]; malformed: MalformedRecord[] }>> {
  const out: Array<{ rows: T[]; malformed: MalformedRecord[] }> = [];
  for (let i = 0; i < parallelism; i++) {
    const reader = await source.open({ ...context(i, parallelism), keepsMalformed: true });
    const rows: T[] = [];
    const malformed: MalformedRecord[] = [];
    try {
      for (;;) {
        const batch = await reader.next();
        malformed.push(...(reader.takeMalformed?.() ?? []));
        if (batch === null) break;
        rows.push(...batch);
      }
    } finally {
      await reader.close();
    }
    out.push({ rows, malformed });
  }
  return out;
}

export async function tempDir(): Promise<{
  dir: string;
  file: (name: string, data: string | Uint8Array) => Promise<string>;
  remove: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-files-'));
  return {
    dir,
    async file(name, data) {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Hands out `bytes` in chunks of the given sizes, cycling through them. */
export function chunked(bytes: Uint8Array, sizes: number[]): ChunkSource {
  let position = 0;
  let k = 0;
  return {
    async read() {
      if (position >= bytes.length) return null;
      const size = sizes[k++ % sizes.length]!;
      const chunk = bytes.slice(position, position + size);
      position += size;
      return chunk;
    },
  };
}
