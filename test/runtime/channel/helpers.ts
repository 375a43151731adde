/** Shared plumbing for the channel tests: worker fixtures, a draining consumer, canaries. */

import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { tsWorker } from '../../../runtime/actor/ts-worker.ts';
import { bytesCodec } from '../../../runtime/channel/bytes-codec.ts';
import {
  GUARD_BYTE,
  GUARD_SIZE,
  guardOffset,
  SEGMENT_HEADER_SIZE,
  SEGMENT_TABLE_OFFSET,
  segmentsOffset,
} from '../../../runtime/channel/layout.ts';
import { SharedChannelReader } from '../../../runtime/channel/reader.ts';
import type { ChannelHandle, ControlEvent } from '../../../runtime/channel/types.ts';
import type {
  ConsumeRequest,
  ConsumerMessage,
  ProduceRequest,
  ProducerMessage,
} from '../../fixtures/channel/plan.ts';

const fixtures = new URL('../../fixtures/channel/', import.meta.url);

// The ESM build of tsx's register API (resolve() from CommonJS would pick the .cjs one).
export { tsWorker };

/** A producer worker that runs requests one at a time. */
export class ProducerWorker {
  readonly worker = tsWorker(new URL('producer-worker.ts', fixtures));
  private nextId = 1;

  /** Starts a run; `onBlocked` sees the first credit wait when `reportBlocked` is set. */
  run(
    request: Omit<ProduceRequest, 'id'>,
    onBlocked?: (segmentsInUse: number) => void,
  ): Promise<Extract<ProducerMessage, { type: 'done' | 'failed' }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: ProducerMessage) => {
        if (message.id !== id) return;
        if (message.type === 'blocked') {
          onBlocked?.(message.segmentsInUse);
          return;
        }
        this.worker.off('message', onMessage);
        this.worker.off('error', reject);
        resolve(message);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', reject);
      this.worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export function startConsumer(request: ConsumeRequest): {
  worker: Worker;
  messages: ConsumerMessage[];
  next(type: ConsumerMessage['type']): Promise<ConsumerMessage>;
} {
  const worker = tsWorker(new URL('consumer-worker.ts', fixtures), { workerData: request });
  const messages: ConsumerMessage[] = [];
  worker.on('message', (message: ConsumerMessage) => messages.push(message));
  return {
    worker,
    messages,
    next: (type) =>
      new Promise((resolve) => {
        const onMessage = (message: ConsumerMessage) => {
          if (message.type !== type) return;
          worker.off('message', onMessage);
          resolve(message);
        };
        worker.on('message', onMessage);
      }),
  };
}

export type Delivery = { t: 'record'; bytes: Uint8Array } | { t: 'event'; event: ControlEvent };

/** Drains in the calling thread until end of stream, `maxRecords` per tryDrain. */
export async function drainAll(
  reader: SharedChannelReader<Uint8Array>,
  maxRecordsPerDrain: () => number = () => Number.POSITIVE_INFINITY,
): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const onRecord = (bytes: Uint8Array) => out.push({ t: 'record', bytes });
  const onEvent = (event: ControlEvent) => out.push({ t: 'event', event });
  while (!reader.isEnded) {
    if (reader.tryDrain(onRecord, onEvent, maxRecordsPerDrain()) === 0) {
      await reader.whenReadable();
    }
  }
  return out;
}

export function readerFor(handle: ChannelHandle): SharedChannelReader<Uint8Array> {
  return new SharedChannelReader(handle, bytesCodec);
}

/** Bytes nobody may write after creation: the trailing guard and the table's padding. */
export function damagedCanaries(handle: ChannelHandle): string[] {
  const u8 = new Uint8Array(handle.sab);
  const damaged: string[] = [];
  const guard = guardOffset(handle.segmentSize, handle.segmentCount);
  for (let i = 0; i < GUARD_SIZE; i++) {
    if (u8[guard + i] !== GUARD_BYTE) damaged.push(`guard byte ${i}`);
  }
  const tableEnd = SEGMENT_TABLE_OFFSET + handle.segmentCount * SEGMENT_HEADER_SIZE;
  for (let i = tableEnd; i < segmentsOffset(handle.segmentCount); i++) {
    if (u8[i] !== 0) damaged.push(`table padding byte ${i}`);
  }
  return damaged;
}

export async function exited(worker: Worker): Promise<number> {
  const [code] = (await once(worker, 'exit')) as [number];
  return code;
}
