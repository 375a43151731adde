/**
 * The output side of an actor: ports that absorb backpressure and routers that implement
 * partitioning.
 *
 * Operators emit synchronously, but a channel writer or a sink writer may ask the caller to
 * wait. A port therefore accepts every record: while its writer asks to wait, records queue
 * in the port, and the actor drains the queues (`settle`) after each batch, before it reads
 * more. The queue is bounded by what one input batch can produce.
 */

import { ConfigError } from '../errors.ts';
import { hashKey } from '../graph/keys.ts';
import type { ResolvedPartitioning } from '../graph/planner.ts';
import type { ReplicaRoute } from '../graph/types.ts';

export interface Writable {
  write(record: unknown): Promise<void> | undefined;
}

export class OutputPort {
  /** Set while the writer asks us to wait; records then go to `queue`. */
  private pending: Promise<void> | undefined;
  private queue: unknown[] = [];
  /** Index of the first record of `queue` not yet written (no shifting on the hot path). */
  private head = 0;
  recordsOut = 0;

  constructor(readonly writer: Writable) {}

  emit(record: unknown): void {
    this.recordsOut++;
    if (this.pending !== undefined) {
      this.queue.push(record);
      return;
    }
    this.pending = this.writer.write(record);
  }

  get isBlocked(): boolean {
    return this.pending !== undefined;
  }

  /** Write out the queue, waiting whenever the writer asks to. */
  async settle(): Promise<void> {
    while (this.pending !== undefined) {
      await this.pending;
      this.pending = undefined;
      const queue = this.queue;
      while (this.head < queue.length && this.pending === undefined) {
        this.pending = this.writer.write(queue[this.head++]);
      }
      if (this.head === queue.length) {
        this.queue = [];
        this.head = 0;
      }
    }
  }
}

/** Delivers one record to its target(s). */
export type Route = (record: unknown) => void;

export function makeRouter(
  partitioning: ResolvedPartitioning,
  ports: OutputPort[],
  instance: number,
  where: string,
  key?: (record: unknown) => unknown,
  route?: ReplicaRoute,
): Route {
  const n = ports.length;
  switch (partitioning) {
    case 'forward': {
      const port = ports[instance]!;
      return (record) => port.emit(record);
    }
    case 'rebalance': {
      // Start at our own index so that producers do not all hit consumer 0 first.
      let next = instance % n;
      return (record) => {
        ports[next]!.emit(record);
        next = next + 1 === n ? 0 : next + 1;
      };
    }
    case 'broadcast':
      return (record) => {
        for (let i = 0; i < n; i++) ports[i]!.emit(record);
      };
    case 'hash': {
      const k = key!;
      return (record) => ports[hashKey(k(record)) % n]!.emit(record);
    }
    case 'replica': {
      const r = route!;
      return (record) => {
        const target = r(record, n);
        if (!Number.isInteger(target) || target < 0 || target >= n) {
          throw new ConfigError(
            `partitioner of ${where} returned instance ${target}, outside [0, ${n})`,
          );
        }
        ports[target]!.emit(record);
      };
    }
  }
}
