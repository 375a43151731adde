/**
 * End of stream and abort, from each side and from a third party, across real worker threads:
 * the surviving side always gets an error naming the abort, never a hang.
 */

import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { abortChannel } from '../../../runtime/channel/abort.ts';
import { bytesCodec } from '../../../runtime/channel/bytes-codec.ts';
import { createChannel } from '../../../runtime/channel/create.ts';
import { SharedChannelWriter } from '../../../runtime/channel/writer.ts';
import { ChannelClosedError, WorkerExitedError } from '../../../runtime/errors.ts';
import { makeRecord } from '../../fixtures/channel/pattern.ts';
import type { Step } from '../../fixtures/channel/plan.ts';
import { exited, ProducerWorker, readerFor, startConsumer } from './helpers.ts';

const workers: Array<{ terminate(): Promise<number> }> = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

function producerWorker(): ProducerWorker {
  const producer = new ProducerWorker();
  workers.push(producer.worker);
  return producer;
}

const records = (count: number, size: number): Step[] =>
  Array.from({ length: count }, () => ({ t: 'record', size }));

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('end of stream', () => {
  it('delivers end after the last record, then nothing, and closes the writer', async () => {
    const handle = createChannel({ segmentSize: 128, segmentCount: 2 });
    const reader = readerFor(handle);
    const result = producerWorker().run({ handle, steps: [...records(10, 30), { t: 'end' }] });
    const seen: string[] = [];
    while (!reader.isEnded) {
      const n = reader.tryDrain(
        (r) => seen.push(`r${r.length}`),
        (e) => seen.push(e.kind),
      );
      if (n === 0) await reader.whenReadable();
    }
    expect(seen).toEqual([...Array(10).fill('r30'), 'end']);
    expect(
      reader.tryDrain(
        () => {},
        () => {},
      ),
    ).toBe(0);
    await expect(reader.whenReadable()).resolves.toBeUndefined();
    expect((await result).type).toBe('done');
  });

  it('rejects writes after end with ERR_CHANNEL_CLOSED', async () => {
    const writer = new SharedChannelWriter(createChannel(), bytesCodec);
    await writer.end();
    await expect(writer.write(new Uint8Array(1))).rejects.toMatchObject({
      code: 'ERR_CHANNEL_CLOSED',
    });
    await expect(writer.end()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('abort from the producer', () => {
  it('overtakes published data: with the ring full, the consumer sees the abort first', async () => {
    const handle = createChannel({ segmentSize: 64, segmentCount: 2 });
    const reader = readerFor(handle);
    // Two 24-byte entries per segment: four records and a flush fill both segments.
    const steps: Step[] = [
      ...records(4, 20),
      { t: 'flush' },
      { t: 'abort', message: 'disk on fire' },
    ];
    expect((await producerWorker().run({ handle, steps })).type).toBe('done');
    let delivered = 0;
    const error = caught(() =>
      reader.tryDrain(
        () => delivered++,
        () => delivered++,
      ),
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toMatchObject({ code: 'ERR_CHANNEL_ABORTED' });
    expect((error as Error).message).toBe(
      'channel channel was aborted by the producer: disk on fire',
    );
    expect(((error as Error).cause as Error).message).toBe('disk on fire');
    expect(delivered).toBe(0);
  });

  it('wakes a parked consumer, which then throws', async () => {
    const handle = createChannel({ segmentSize: 64, segmentCount: 2, name: 'map#1/0 -> sink#2/1' });
    const reader = readerFor(handle);
    const readable = reader.whenReadable();
    const producer = producerWorker();
    await producer.run({ handle, steps: [{ t: 'abort', message: 'bad input' }] });
    await readable;
    expect(() =>
      reader.tryDrain(
        () => {},
        () => {},
      ),
    ).toThrow('channel map#1/0 -> sink#2/1 was aborted by the producer: bad input');
  });
});

describe('abort from the consumer', () => {
  it('rejects the write of a producer parked for credit', async () => {
    const handle = createChannel({ segmentSize: 64, segmentCount: 2 });
    const reader = readerFor(handle);
    let inUse = -1;
    let onBlocked!: () => void;
    const blocked = new Promise<void>((resolve) => (onBlocked = resolve));
    const result = producerWorker().run(
      { handle, steps: records(100, 20), reportBlocked: true },
      (segmentsInUse) => {
        inUse = segmentsInUse;
        onBlocked();
      },
    );
    await blocked;
    expect(inUse).toBe(2);
    reader.abort(new Error('consumer gave up'));
    const outcome = await result;
    expect(outcome.type).toBe('failed');
    if (outcome.type !== 'failed') return;
    expect(outcome.error.code).toBe('ERR_CHANNEL_ABORTED');
    expect(outcome.error.message).toBe(
      'channel channel was aborted by the consumer: consumer gave up',
    );
    // The consumer's own later calls fail too.
    expect(() =>
      reader.tryDrain(
        () => {},
        () => {},
      ),
    ).toThrow('consumer gave up');
  });
});

describe('a third party aborts for a dead worker', () => {
  it.each(['exit', 'stall'] as const)(
    'consumer worker gone mid-stream (%s) -> abortChannel -> producer error, not a hang',
    async (how) => {
      const handle = createChannel({ segmentSize: 256, segmentCount: 4 });
      const consumer = startConsumer({ handle, after: 100, afterwards: how });
      workers.push(consumer.worker);
      const result = producerWorker().run({ handle, steps: records(100_000, 50) });
      let exitCode: number;
      if (how === 'exit') {
        exitCode = await exited(consumer.worker);
        expect(exitCode).toBe(7);
      } else {
        // Progress comes every 64 records, then once when it stops reading.
        while (((await consumer.next('progress')) as { records: number }).records < 100) {}
        exitCode = await consumer.worker.terminate();
      }
      const error = new WorkerExitedError(`consumer worker exited with code ${exitCode}`, {
        exitCode,
      });
      expect(abortChannel(handle, error)).toBe(true);
      const outcome = await result;
      expect(outcome.type).toBe('failed');
      if (outcome.type !== 'failed') return;
      expect(outcome.error.code).toBe('ERR_CHANNEL_ABORTED');
      expect(outcome.error.message).toBe(
        `channel channel was aborted by the runtime: consumer worker exited with code ${exitCode}`,
      );
      expect(outcome.error.cause).toMatchObject({ code: 'ERR_WORKER_EXITED' });
      expect(outcome.stats.recordsOut).toBeGreaterThanOrEqual(100);
    },
  );

  it('producer worker terminated while the consumer is parked -> consumer throws', async () => {
    const handle = createChannel({ segmentSize: 128, segmentCount: 2 });
    const reader = readerFor(handle);
    const producer = producerWorker();
    void producer.run({
      handle,
      steps: [...records(3, 10), { t: 'flush' }, { t: 'sleep', ms: 600_000 }],
    });
    let got = 0;
    while (got < 3) {
      if (
        reader.tryDrain(
          () => got++,
          () => {},
        ) === 0
      )
        await reader.whenReadable();
    }
    const parked = reader.whenReadable();
    await producer.worker.terminate();
    expect(abortChannel(handle, new WorkerExitedError('producer worker was terminated'))).toBe(
      true,
    );
    // The first abort stands; a second one is a no-op.
    expect(abortChannel(handle, new Error('late'))).toBe(false);
    await parked;
    expect(() =>
      reader.tryDrain(
        () => {},
        () => {},
      ),
    ).toThrow('aborted by the runtime: producer worker was terminated');
  });
});

/**
 * Resolves once `worker`'s event loop has waited idle since `since`. The main thread reads the
 * worker's loop metrics, which announce nothing: poll, bounded. An exited worker reports no
 * positive idle time, so the caller races this against its exit.
 */
async function loopIdleSince(worker: Worker, since: EventLoopUtilization): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (worker.performance.eventLoopUtilization(since).idle <= 0) {
    if (performance.now() > deadline) throw new Error('the worker never waited idle');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('parking', () => {
  it('keeps a worker alive while its consumer is parked with nothing else pending', async () => {
    const handle = createChannel({ segmentSize: 128, segmentCount: 2 });
    const consumer = startConsumer({
      handle,
      after: Number.MAX_SAFE_INTEGER,
      afterwards: 'continue',
    });
    workers.push(consumer.worker);
    await consumer.next('parked');
    const parkedAt = consumer.worker.performance.eventLoopUtilization();
    // A loop with nothing to keep it alive exits instead of waiting, so once the worker's loop
    // has sat idle since parking, the keep-alive is what holds it; without one it exits first.
    const parked = await Promise.race([
      loopIdleSince(consumer.worker, parkedAt).then(() => 'waiting idle'),
      exited(consumer.worker).then((code) => `exited with code ${code}`),
    ]);
    expect(parked).toBe('waiting idle');
    const writer = new SharedChannelWriter(handle, bytesCodec);
    for (let i = 0; i < 5; i++) await writer.write(makeRecord(i, i * 10));
    await writer.end();
    const done = await Promise.race([
      consumer.next('done'),
      exited(consumer.worker).then((code) => ({ type: 'exited early', code })),
    ]);
    expect(done).toEqual({ type: 'done', records: 5, corrupt: 0, ended: true });
  });
});
