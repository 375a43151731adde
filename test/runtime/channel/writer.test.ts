/** Writer and reader behaviour that does not need a second thread to be observable. */

import { describe, expect, it } from 'vitest';
import { bytesCodec } from '../../../runtime/channel/bytes-codec.ts';
import { createChannel } from '../../../runtime/channel/create.ts';
import { parkedOnThisThread } from '../../../runtime/channel/park.ts';
import { SharedChannelReader } from '../../../runtime/channel/reader.ts';
import type { ChannelOptions } from '../../../runtime/channel/types.ts';
import { SharedChannelWriter } from '../../../runtime/channel/writer.ts';
import { createGeneralCodec } from '../../../runtime/codec/general.ts';
import { ConfigError, RecordTooLargeError } from '../../../runtime/errors.ts';
import { drainAll, readerFor } from './helpers.ts';

describe('createChannel', () => {
  it.each([
    [
      { segmentSize: 63 },
      'channel option segmentSize must be an integer in [64, 1073741816], got 63',
    ],
    [{ segmentSize: 100 }, 'channel option segmentSize must be a multiple of 8, got 100'],
    [
      { segmentSize: 2 ** 24, segmentCount: 128 },
      'channel of 128 x 16777216 B segments needs 2147489856 bytes, over the limit of 2147483647',
    ],
    [{ segmentCount: 0 }, 'channel option segmentCount must be an integer in [1, 1048576], got 0'],
    [
      { maxRecordSize: 1.5 },
      'channel option maxRecordSize must be an integer in [0, 1073741824], got 1.5',
    ],
  ] as Array<[ChannelOptions, string]>)(
    'rejects %o naming the option and its limits',
    (options, message) => {
      expect(() => createChannel(options)).toThrow(ConfigError);
      expect(() => createChannel(options)).toThrow(message);
    },
  );

  it('uses 8 x 32 KiB segments and a 16 MiB record limit by default', () => {
    const handle = createChannel();
    expect(handle).toMatchObject({ segmentSize: 32768, segmentCount: 8, maxRecordSize: 2 ** 24 });
  });
});

describe('record size limit', () => {
  it('ships a record up to maxRecordSize in fragments and rejects one byte more', async () => {
    const handle = createChannel({ segmentSize: 256, segmentCount: 8, maxRecordSize: 1000 });
    const writer = new SharedChannelWriter(handle, bytesCodec);
    const reader = readerFor(handle);
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    expect(writer.write(big)).toBeUndefined();
    const error = await writer.write(new Uint8Array(1001))?.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect((error as Error).message).toBe(
      'record of 1001 bytes exceeds the limit of 1000 bytes (channel channel, maxRecordSize)',
    );
    // The writer is still usable after refusing a record.
    expect(writer.write(new Uint8Array([7]))).toBeUndefined();
    const ended = writer.end();
    const got = await drainAll(reader);
    await ended;
    expect(got.map((d) => (d.t === 'record' ? Array.from(d.bytes) : d.event.kind))).toEqual([
      Array.from(big),
      [7],
      'end',
    ]);
  });

  it('applies the limit to records that would fit in one segment', async () => {
    const handle = createChannel({ segmentSize: 4096, maxRecordSize: 100, name: 'a -> b' });
    const writer = new SharedChannelWriter(handle, bytesCodec);
    writer.write(new Uint8Array(10));
    await expect(writer.write(new Uint8Array(101))).rejects.toThrow(
      'record of 101 bytes exceeds the limit of 100 bytes (channel a -> b, maxRecordSize)',
    );
  });
});

describe('a refused record and a stateful codec', () => {
  // The general codec defines each object shape once, in the stream. A record refused after it
  // was encoded must not leave a definition the reader never saw, or later records misdecode.
  it.each([
    ['in one segment', { segmentSize: 4096, maxRecordSize: 64 }],
    ['larger than a segment', { segmentSize: 64, maxRecordSize: 200 }],
  ])('keeps later records of the same shape decodable (%s)', async (_, options) => {
    const handle = createChannel({ ...options, segmentCount: 4 });
    const writer = new SharedChannelWriter(handle, createGeneralCodec());
    const reader = new SharedChannelReader(handle, createGeneralCodec());
    expect(writer.write({ a: 1 })).toBeUndefined();
    const refused = { shape: 'new', text: 'x'.repeat(300) };
    await expect(writer.write(refused)).rejects.toBeInstanceOf(RecordTooLargeError);
    await writer.write({ shape: 'same', text: 'short' });
    await writer.write({ a: 2 });
    const ended = writer.end();
    const got: unknown[] = [];
    while (!reader.isEnded) {
      if (
        reader.tryDrain(
          (r) => got.push(r),
          () => {},
        ) === 0
      )
        await reader.whenReadable();
    }
    await ended;
    expect(got).toEqual([{ a: 1 }, { shape: 'same', text: 'short' }, { a: 2 }]);
  });
});

describe('linger', () => {
  it('publishes a lone record after lingerMs, without flush', async () => {
    const handle = createChannel({ segmentSize: 1024 });
    const writer = new SharedChannelWriter(handle, bytesCodec, { lingerMs: 5 });
    const reader = readerFor(handle);
    expect(writer.write(new Uint8Array([1, 2, 3]))).toBeUndefined();
    const got: number[][] = [];
    // Not yet: the segment is held until it fills or the linger fires.
    expect(
      reader.tryDrain(
        (r) => got.push(Array.from(r)),
        () => {},
      ),
    ).toBe(0);
    expect(writer.stats().segmentsPublished).toBe(0);
    await reader.whenReadable();
    expect(
      reader.tryDrain(
        (r) => got.push(Array.from(r)),
        () => {},
      ),
    ).toBe(1);
    expect(got).toEqual([[1, 2, 3]]);
    expect(writer.stats().segmentsPublished).toBe(1);
    expect(parkedOnThisThread()).toBe(0);
  });
});

describe('events', () => {
  it('travel in order with the data around them', async () => {
    const handle = createChannel({ segmentSize: 64, segmentCount: 2 });
    const writer = new SharedChannelWriter(handle, bytesCodec, { lingerMs: 1000 });
    const reader = readerFor(handle);
    const produce = (async () => {
      await writer.write(new Uint8Array([1]));
      await writer.sendEvent({ kind: 'watermark', timestamp: 1_700_000_000_123 });
      await writer.write(new Uint8Array([2]));
      await writer.write(new Uint8Array(100)); // fragments across both segments
      await writer.sendEvent({ kind: 'barrier', checkpointId: 42 });
      await writer.sendEvent({ kind: 'barrier', checkpointId: 43 });
      await writer.write(new Uint8Array([3]));
      await writer.end();
    })();
    const got = await drainAll(reader, () => 1);
    await produce;
    expect(
      got.map((d) => (d.t === 'record' ? `r${d.bytes.length}:${d.bytes[0]}` : d.event)),
    ).toEqual([
      'r1:1',
      { kind: 'watermark', timestamp: 1_700_000_000_123 },
      'r1:2',
      'r100:0',
      { kind: 'barrier', checkpointId: 42 },
      { kind: 'barrier', checkpointId: 43 },
      'r1:3',
      { kind: 'end' },
    ]);
  });
});

describe('abort message', () => {
  it('keeps the head of a message too long for the header area, and the first abort wins', () => {
    const handle = createChannel({ name: 'a -> b' });
    const writer = new SharedChannelWriter(handle, bytesCodec);
    const reader = readerFor(handle);
    const long = `boom ${'x'.repeat(10_000)}`;
    writer.abort(new Error(long));
    reader.abort(new Error('second'));
    let error: unknown;
    try {
      reader.tryDrain(
        () => {},
        () => {},
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_CHANNEL_ABORTED' });
    const message = (error as Error).message;
    expect(message.startsWith('channel a -> b was aborted by the producer: boom xxx')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
    expect(message.length).toBeLessThan(long.length);
    expect(message.length).toBeGreaterThan(3000);
  });
});
