/**
 * The channel against its alternatives, each pair between two worker threads, same run:
 *
 * 1. small rows (5 columns, ~60 B) through a Sluice channel with the row codec, against the
 *    same rows sent as postMessage batches of 1000 objects (structured clone), with a window
 *    of batches in flight so the baseline has flow control too;
 * 2. 32 KiB byte payloads through a Sluice channel, against a bare SAB ring that only copies
 *    bytes in and out and blocks with Atomics.wait (the memory-speed ceiling).
 *
 * Elapsed time runs from the producer's start to the consumer's last record, on the shared
 * clock `performance.timeOrigin + performance.now()`. One warm-up round, then the median of
 * the measured rounds.
 *
 *   npx tsx bench/channel.ts [--rounds 5] [--json]
 *
 * This file is both the coordinator (main thread) and the workers (role in workerData), so a
 * benchmark stays one file.
 */

import { availableParallelism, loadavg } from 'node:os';
import {
  isMainThread,
  type MessagePort,
  parentPort,
  type Worker,
  workerData,
} from 'node:worker_threads';
import { Command } from 'commander';
import { tsWorker } from '../runtime/actor/ts-worker.ts';
import { bytesCodec, bytesViewCodec } from '../runtime/channel/bytes-codec.ts';
import { createChannel } from '../runtime/channel/create.ts';
import { SharedChannelReader } from '../runtime/channel/reader.ts';
import type { ChannelHandle } from '../runtime/channel/types.ts';
import { SharedChannelWriter } from '../runtime/channel/writer.ts';
import { createCodec } from '../runtime/codec/create.ts';
import type { ColumnSpec } from '../runtime/codec/types.ts';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'int' },
  { name: 'user', type: 'text' },
  { name: 'ts', type: 'timestamp' },
  { name: 'score', type: 'double' },
  { name: 'ok', type: 'boolean' },
];
const ROWS_PER_ROUND = 500_000;
const BATCH = 1000;
/** postMessage batches in flight before the producer waits for an ack. */
const BATCH_WINDOW = 16;

const PAYLOAD = 32 * 1024;
const PAYLOADS_PER_ROUND = 16 * 1024; // 512 MiB
/**
 * 2 payloads per segment, exactly (an entry takes align8(4 + 32 KiB) bytes), 32 segments: the
 * same 2 MiB ring as the raw one, which stays in cache. Segments this small let the consumer
 * start copying after 64 KiB instead of 256 KiB, and a parked producer is woken once half
 * the ring is free, so wake-ups stay rare. Measured on this machine (median MiB/s of 5):
 * 8 x 256 KiB 2749, 16 x 128 KiB 5166, 32 x 64 KiB 5875, 64 x 32 KiB 2851.
 */
const PAYLOADS_PER_SEGMENT = 2;
const BYTES_SEGMENT_SIZE = PAYLOADS_PER_SEGMENT * (PAYLOAD + 8);
const BYTES_SEGMENT_COUNT = 32;
const RAW_SLOTS = 64; // the same 2 MiB of ring as the channel

type Role =
  | 'sluice-rows-producer'
  | 'sluice-rows-consumer'
  | 'pm-rows-producer'
  | 'pm-rows-consumer'
  | 'sluice-bytes-producer'
  | 'sluice-bytes-consumer'
  | 'raw-bytes-producer'
  | 'raw-bytes-consumer';

interface Round {
  handle?: ChannelHandle;
  ring?: SharedArrayBuffer;
}

/** Wall-clock milliseconds comparable across threads. */
const clock = () => performance.timeOrigin + performance.now();

function makeRows(): Array<Record<string, unknown>> {
  const names = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis', 'frances'];
  return Array.from({ length: BATCH }, (_, i) => ({
    id: i * 7919,
    user: `${names[i % names.length]}_${i}@example.org`,
    ts: new Date(1_700_000_000_000 + i * 1000),
    score: i / 7,
    ok: i % 3 === 0,
  }));
}

// ---------------------------------------------------------------- workers

async function sluiceRowsProducer(round: Round): Promise<number> {
  const writer = new SharedChannelWriter(
    round.handle!,
    createCodec<Record<string, unknown>>(round.handle!.codec),
  );
  const rows = makeRows();
  const started = clock();
  for (let i = 0; i < ROWS_PER_ROUND; i++) {
    const pending = writer.write(rows[i % BATCH]!);
    if (pending) await pending;
  }
  await writer.end();
  return started;
}

async function sluiceRowsConsumer(round: Round): Promise<number> {
  const reader = new SharedChannelReader(
    round.handle!,
    createCodec<Record<string, unknown>>(round.handle!.codec),
  );
  let sum = 0;
  const onRecord = (row: Record<string, unknown>) => {
    sum += row.id as number;
  };
  const onEvent = () => {};
  while (!reader.isEnded) {
    if (reader.tryDrain(onRecord, onEvent) === 0) await reader.whenReadable();
  }
  if (sum < 0) throw new Error('unreachable: keeps the decode alive');
  return clock();
}

/**
 * The pair's MessagePort keeps one listener for the worker's life: a started port with no
 * listener drops messages, and the next round's first batch may arrive before its handler.
 */
const inbox: { handler: ((message: unknown) => void) | undefined; early: unknown[] } = {
  handler: undefined,
  early: [],
};

function listen(handler: (message: unknown) => void): void {
  inbox.handler = handler;
  for (const message of inbox.early.splice(0)) handler(message);
}

async function pmRowsProducer(_round: Round, port: MessagePort): Promise<number> {
  const rows = makeRows();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  listen(() => {
    inFlight--;
    wake?.();
  });
  const started = clock();
  for (let sent = 0; sent < ROWS_PER_ROUND; sent += BATCH) {
    while (inFlight >= BATCH_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    port.postMessage(rows);
  }
  port.postMessage(null);
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  inbox.handler = undefined;
  return started;
}

function pmRowsConsumer(_round: Round, port: MessagePort): Promise<number> {
  return new Promise((resolve) => {
    let sum = 0;
    listen((message) => {
      const batch = message as Array<Record<string, unknown>> | null;
      if (batch === null) {
        inbox.handler = undefined;
        if (sum < 0) throw new Error('unreachable');
        resolve(clock());
        return;
      }
      for (const row of batch) sum += row.id as number;
      port.postMessage(0);
    });
  });
}

async function sluiceBytesProducer(round: Round): Promise<number> {
  const writer = new SharedChannelWriter(round.handle!, bytesCodec);
  const payload = new Uint8Array(PAYLOAD).fill(7);
  const started = clock();
  for (let i = 0; i < PAYLOADS_PER_ROUND; i++) {
    const pending = writer.write(payload);
    if (pending) await pending;
  }
  await writer.end();
  return started;
}

async function sluiceBytesConsumer(round: Round): Promise<number> {
  const reader = new SharedChannelReader(round.handle!, bytesViewCodec);
  const sink = new Uint8Array(PAYLOAD);
  // Same work as the raw ring's consumer: copy the bytes out of shared memory.
  const onRecord = (view: Uint8Array) => sink.set(view);
  const onEvent = () => {};
  while (!reader.isEnded) {
    if (reader.tryDrain(onRecord, onEvent) === 0) await reader.whenReadable();
  }
  return clock();
}

// The raw ring: [0] write index, [1] read index (free-running), slots of PAYLOAD bytes after 64.
const RAW_DATA = 64;

function rawBytesProducer(round: Round): number {
  const i32 = new Int32Array(round.ring!);
  const u8 = new Uint8Array(round.ring!);
  const payload = new Uint8Array(PAYLOAD).fill(7);
  const started = clock();
  for (let w = 0; w < PAYLOADS_PER_ROUND; w++) {
    for (;;) {
      const r = Atomics.load(i32, 1);
      if (w - r < RAW_SLOTS) break;
      Atomics.wait(i32, 1, r);
    }
    u8.set(payload, RAW_DATA + (w % RAW_SLOTS) * PAYLOAD);
    Atomics.store(i32, 0, w + 1);
    Atomics.notify(i32, 0);
  }
  return started;
}

function rawBytesConsumer(round: Round): number {
  const i32 = new Int32Array(round.ring!);
  const u8 = new Uint8Array(round.ring!);
  const sink = new Uint8Array(PAYLOAD);
  for (let r = 0; r < PAYLOADS_PER_ROUND; r++) {
    for (;;) {
      const w = Atomics.load(i32, 0);
      if (w !== r) break;
      Atomics.wait(i32, 0, w);
    }
    const at = RAW_DATA + (r % RAW_SLOTS) * PAYLOAD;
    sink.set(u8.subarray(at, at + PAYLOAD));
    Atomics.store(i32, 1, r + 1);
    Atomics.notify(i32, 1);
  }
  return clock();
}

const roles: Record<Role, (round: Round, port: MessagePort) => number | Promise<number>> = {
  'sluice-rows-producer': sluiceRowsProducer,
  'sluice-rows-consumer': sluiceRowsConsumer,
  'pm-rows-producer': pmRowsProducer,
  'pm-rows-consumer': pmRowsConsumer,
  'sluice-bytes-producer': sluiceBytesProducer,
  'sluice-bytes-consumer': sluiceBytesConsumer,
  'raw-bytes-producer': rawBytesProducer,
  'raw-bytes-consumer': rawBytesConsumer,
};

function serveRole(): void {
  const { role, port } = workerData as { role: Role; port: MessagePort };
  port.on('message', (message) => {
    if (inbox.handler) inbox.handler(message);
    else inbox.early.push(message);
  });
  parentPort!.on('message', async (round: Round) => {
    parentPort!.postMessage(await roles[role](round, port));
  });
}

// ---------------------------------------------------------------- coordinator

/** A worker running this file. */
function spawn(role: Role, port: MessagePort): Worker {
  return tsWorker(import.meta.url, { workerData: { role, port }, transferList: [port] });
}

function ask(worker: Worker, round: Round): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(round);
  });
}

interface Contender {
  producer: Role;
  consumer: Role;
  newRound: () => Round;
}

/**
 * One warm-up round, then `rounds` measured rounds of each contender, alternating, so a change
 * in the load of this shared machine hits both alike. Returns the median elapsed ms of each.
 */
async function measure(contenders: Contender[], rounds: number): Promise<number[]> {
  const pairs = contenders.map((c) => {
    const { port1, port2 } = new MessageChannel();
    return { ...c, workers: [spawn(c.producer, port1), spawn(c.consumer, port2)] as const };
  });
  const elapsed: number[][] = pairs.map(() => []);
  try {
    for (let i = 0; i <= rounds; i++) {
      for (const [k, pair] of pairs.entries()) {
        const round = pair.newRound();
        const [started, finished] = await Promise.all(pair.workers.map((w) => ask(w, round)));
        if (i > 0) elapsed[k]!.push(finished! - started!);
      }
    }
  } finally {
    await Promise.all(pairs.flatMap((p) => p.workers.map((w) => w.terminate())));
  }
  return elapsed.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}

async function benchRows(rounds: number, log: (line: string) => void) {
  const [sluiceMs, postMessageMs] = await measure(
    [
      {
        producer: 'sluice-rows-producer',
        consumer: 'sluice-rows-consumer',
        newRound: () => ({
          handle: createChannel({ codec: { kind: 'row', columns: COLUMNS }, name: 'bench rows' }),
        }),
      },
      { producer: 'pm-rows-producer', consumer: 'pm-rows-consumer', newRound: () => ({}) },
    ],
    rounds,
  );
  const perSecond = (ms: number) => Math.round((ROWS_PER_ROUND / ms) * 1000);
  const figures = {
    sluice: perSecond(sluiceMs!),
    postMessage: perSecond(postMessageMs!),
    ratio: Number((postMessageMs! / sluiceMs!).toFixed(2)),
  };
  log(`small records: ${ROWS_PER_ROUND} rows of 5 columns per round, median of ${rounds}`);
  log(`  sluice channel, row codec      ${figures.sluice.toLocaleString('en')} records/s`);
  log(`  postMessage, batches of ${BATCH}   ${figures.postMessage.toLocaleString('en')} records/s`);
  log(`  ratio                          ${figures.ratio} (target >= 3)`);
  return figures;
}

async function benchBytes(rounds: number, log: (line: string) => void) {
  const [sluiceMs, rawMs] = await measure(
    [
      {
        producer: 'sluice-bytes-producer',
        consumer: 'sluice-bytes-consumer',
        newRound: () => ({
          handle: createChannel({
            segmentSize: BYTES_SEGMENT_SIZE,
            segmentCount: BYTES_SEGMENT_COUNT,
            name: 'bench bytes',
          }),
        }),
      },
      {
        producer: 'raw-bytes-producer',
        consumer: 'raw-bytes-consumer',
        newRound: () => ({ ring: new SharedArrayBuffer(RAW_DATA + RAW_SLOTS * PAYLOAD) }),
      },
    ],
    rounds,
  );
  const total = PAYLOADS_PER_ROUND * PAYLOAD;
  const mibPerSecond = (ms: number) => Math.round((total / 2 ** 20 / ms) * 1000);
  const figures = {
    sluice: mibPerSecond(sluiceMs!),
    rawRing: mibPerSecond(rawMs!),
    ratio: Number((rawMs! / sluiceMs!).toFixed(2)),
  };
  log(`32 KiB payloads: ${total / 2 ** 20} MiB per round, median of ${rounds}`);
  log(
    `  sluice channel, ${BYTES_SEGMENT_COUNT} x ${BYTES_SEGMENT_SIZE} B  ${figures.sluice} MiB/s`,
  );
  log(`  bare SAB ring, ${RAW_SLOTS} x 32 KiB      ${figures.rawRing} MiB/s`);
  log(`  ratio                          ${figures.ratio} (target >= 0.6)`);
  return figures;
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--rounds <n>', 'measured rounds per contender', (v) => Number.parseInt(v, 10), 5)
    .option('--only <pair>', 'run only "rows" or "bytes" (the other figures are null)')
    .option('--json', 'print the figures as one JSON object on the last line')
    .parse()
    .opts<{ rounds: number; only?: 'rows' | 'bytes'; json?: boolean }>();
  const log = (line: string) => {
    if (!options.json) console.log(line);
  };
  log(`node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`);
  const smallRecords = options.only === 'bytes' ? null : await benchRows(options.rounds, log);
  const bytes = options.only === 'rows' ? null : await benchBytes(options.rounds, log);
  if (options.json) console.log(JSON.stringify({ smallRecords, bytes }));
}

if (isMainThread) {
  await main();
} else {
  serveRole();
}
