import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../../runtime/codec/create.ts';
import type { CodecSpec } from '../../../runtime/codec/types.ts';
import { fromSerialized, type SerializedError } from '../../../runtime/errors.ts';
import { anyText, rowOf, SEED, schema, sharedSegment } from './arbitraries.ts';
import { canon } from './canon.ts';
import type { DecodeRequest } from './decode-worker.ts';

let worker: Worker;
let nextStream = 1;
/** Set when the worker fails or exits: later requests fail at once instead of timing out. */
let workerFailure: Error | undefined;

beforeAll(() => {
  // On Node 20, `execArgv: ['--import', 'tsx']` does not reach a worker whose entry is a .ts
  // file (ERR_UNKNOWN_FILE_EXTENSION); registering tsx from a JS entry does.
  const entry = new URL('decode-worker.ts', import.meta.url).href;
  worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true },
  );
  worker.on('error', (error) => {
    workerFailure = error;
  });
  worker.on('exit', (code) => {
    workerFailure ??= new Error(`decode worker exited with code ${code}`);
  });
});

afterAll(async () => {
  await worker.terminate();
});

function decodeInWorker(request: DecodeRequest): Promise<unknown[]> {
  if (workerFailure) return Promise.reject(workerFailure);
  return new Promise((resolve, reject) => {
    const onExit = () => reject(workerFailure);
    const onMessage = (reply: { values?: unknown[]; error?: SerializedError }) => {
      worker.off('exit', onExit);
      worker.off('error', reject);
      if (reply.error) reject(fromSerialized(reply.error));
      else resolve(reply.values!);
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.postMessage(request);
  });
}

/**
 * Encodes `values` here in segments of `segmentSize` and decodes each segment on the worker
 * (as a channel would, the worker's codec keeps its state between segments).
 */
async function roundTrip(
  spec: CodecSpec,
  values: unknown[],
  segmentSize: number,
): Promise<unknown[]> {
  const stream = nextStream++;
  const encoder = createCodec(spec);
  const decoded: unknown[] = [];
  let i = 0;
  while (i < values.length) {
    const buf = sharedSegment(segmentSize);
    const spans: Array<[number, number]> = [];
    let p = 0;
    for (; i < values.length; i++) {
      const next = encoder.encode(values[i], buf, p, buf.length);
      if (next < 0) break;
      spans.push([p, next - p]);
      p = next;
    }
    // Every test value fits an empty segment; an empty one here would mean a stuck loop.
    expect(spans.length).toBeGreaterThan(0);
    decoded.push(...(await decodeInWorker({ stream, spec, buf, spans })));
  }
  return decoded;
}

describe('codecs across threads', () => {
  it('a row encoded on one thread decodes on another', async () => {
    await fc.assert(
      fc.asyncProperty(
        schema.chain((columns) =>
          fc.tuple(fc.constant(columns), fc.array(rowOf(columns), { maxLength: 40 })),
        ),
        async ([columns, rows]) => {
          const decoded = await roundTrip(
            { kind: 'row', columns },
            rows.map((r) => r.input),
            4096,
          );
          expect(decoded.map((v) => canon(v))).toEqual(rows.map((r) => canon(r.expected)));
        },
      ),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('general values keep shapes and -0 from one thread to another', async () => {
    const value = fc.anything({
      values: [
        fc.double(),
        fc.constant(-0),
        anyText,
        fc.bigInt(),
        fc.date(),
        fc.uint8Array({ maxLength: 8 }),
      ],
      maxDepth: 2,
      maxKeys: 4,
      withMap: true,
      withSet: true,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 60 }), async (values) => {
        const decoded = await roundTrip({ kind: 'general' }, values, 16 * 1024);
        expect(decoded.map((v) => canon(v))).toEqual(values.map((v) => canon(v, true)));
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});
