import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stdin, stdout } from '../../../connectors/files/index.ts';
import type { Sink } from '../../../runtime/graph/connector.ts';
import { context, readInstances } from './helpers.ts';

async function writeAll<T>(sink: Sink<T>, records: T[]) {
  const writer = await sink.createWriter(context(0, 1));
  for (const record of records) await writer.write(record);
  await writer.flush(true);
  await writer.close();
}

describe('standard streams', () => {
  it('stdin reads CSV from a stream, chunk boundaries anywhere', async () => {
    const input = new PassThrough();
    const source = stdin({ format: 'csv', input, columns: { n: 'int' } });
    expect(source.maxParallelism).toBe(1);
    const text = 'n,s\r\n1,"a\nb"\n2,"c,""d"""\n3,é\n';
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 3) input.write(bytes.subarray(i, i + 3));
    input.end();
    const [rows] = await readInstances(source, 1);
    expect(rows).toEqual([
      { n: 1, s: 'a\nb' },
      { n: 2, s: 'c,"d"' },
      { n: 3, s: 'é' },
    ]);
  });

  it('stdin reads JSON Lines and names the line of a bad one', async () => {
    const input = new PassThrough();
    input.end('{"a":1}\n\n{"a":2}\n{oops}\n');
    const error = await readInstances(stdin({ format: 'jsonl', input }), 1).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/^<stdin>:4: /);
  });

  it('stdout writes CSV with a header, and JSON Lines, to a stream', async () => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    await writeAll(stdout({ format: 'csv', output }), [
      { a: 1, b: 'x y' },
      { a: 2, b: null },
    ]);
    await writeAll(stdout({ format: 'jsonl', output }), [{ a: 1 }]);
    expect(Buffer.concat(chunks).toString()).toBe('a,b\n1,x y\n2,\n{"a":1}\n');
    await expect(
      Promise.resolve().then(() => stdout({ format: 'jsonl', output }).createWriter(context(0, 2))),
    ).rejects.toThrow(/maxParallelism 1/);
  });
});

describe('stdin cancel', () => {
  it('stops waiting for input when the job is cancelled', async () => {
    const input = new PassThrough();
    input.write('a\n1\n');
    const abort = new AbortController();
    const reader = await stdin({ format: 'csv', input }).open({
      ...context(0, 1),
      signal: abort.signal,
    });
    expect(await reader.next()).toEqual([{ a: '1' }]);
    const waiting = reader.next();
    abort.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await reader.close();
  });
});
