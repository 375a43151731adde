import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STDIN_NAME, stdin } from '../../../connectors/files/stdio.ts';
import { collectGarbage } from '../../fixtures/jobs/heap-probe.ts';
import { context, readInstances } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-stdin-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The source reading `data` through a descriptor, as it reads fd 0 under `< file`. */
async function readThroughDescriptor(data: string | Buffer, kind: 'csv' | 'jsonl') {
  const path = join(dir, `in-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, data);
  const fd = openSync(path, 'r');
  try {
    const source =
      kind === 'csv'
        ? stdin({ format: 'csv', fd, sourceField: 'src' })
        : stdin({ format: 'jsonl', maxRecordBytes: 1 << 20, fd, sourceField: 'src' });
    return (await readInstances(source, 1)).flat();
  } finally {
    closeSync(fd);
  }
}

describe('stdin() through a descriptor', () => {
  const csv = 'id,v\n1,"a\nb"\n2,c\n';

  it('reads CSV from a descriptor and tags rows with <stdin>:line', async () => {
    expect(await readThroughDescriptor(csv, 'csv')).toEqual([
      { id: '1', v: 'a\nb', src: `${STDIN_NAME}:2` },
      { id: '2', v: 'c', src: `${STDIN_NAME}:4` },
    ]);
  });

  it('inflates gzip input, told by its first bytes', async () => {
    expect(await readThroughDescriptor(gzipSync(csv), 'csv')).toHaveLength(2);
    const lines = `${JSON.stringify({ a: 1 })}\n\n${JSON.stringify({ a: 2 })}\n`;
    expect(await readThroughDescriptor(gzipSync(lines), 'jsonl')).toEqual([
      { a: 1, src: `${STDIN_NAME}:1` },
      { a: 2, src: `${STDIN_NAME}:3` },
    ]);
  });

  it('runs as one instance only', () => {
    const source = stdin({ format: 'jsonl', maxRecordBytes: 10 });
    expect(source.maxParallelism).toBe(1);
    const ctx = {
      operatorId: 's#0',
      instance: 0,
      parallelism: 2,
      signal: new AbortController().signal,
    };
    expect(() => source.open(ctx)).toThrow(/one instance/);
  });
});

describe('stdin() over a long stream', () => {
  it('keeps no chunk once its records are read', async () => {
    // 400 chunks of 64 KiB: a reader that kept each chunk would grow by 12.8 MB from the
    // 100th chunk to the 300th. Before the fix every read was raced against one promise that
    // lived as long as the stream, and each race kept the chunk it resolved with.
    const CHUNKS = 400;
    const line = `${JSON.stringify({ id: 1, body: 'x'.repeat(90) })}\n`;
    const chunk = line.repeat(Math.floor(65536 / line.length));
    let served = 0;
    const heapAt = new Map<number, number>();
    const input = Readable.from(
      (function* () {
        for (; served < CHUNKS; served++) {
          if (served === CHUNKS / 4 || served === (3 * CHUNKS) / 4) {
            collectGarbage();
            // Chunks live outside the heap, in array buffers.
            const { heapUsed, arrayBuffers } = process.memoryUsage();
            heapAt.set(served, heapUsed + arrayBuffers);
          }
          // A new buffer each time, as a pipe delivers them.
          yield Buffer.from(chunk);
        }
      })(),
      { objectMode: false },
    );
    const reader = await stdin({ format: 'jsonl', input }).open(context(0, 1));
    let records = 0;
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      records += batch.length;
    }
    await reader.close();
    expect(records).toBe(CHUNKS * Math.floor(65536 / line.length));
    const growth = heapAt.get((3 * CHUNKS) / 4)! - heapAt.get(CHUNKS / 4)!;
    expect(growth).toBeLessThan(3 * 1024 * 1024);
  });
});
