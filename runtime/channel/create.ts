/**
 * `createChannel` allocates and initialises the SharedArrayBuffer of one edge. The handle it
 * returns is plain data: it is sent to both ends' threads, which attach a writer and a reader.
 */

import { ConfigError } from '../errors.ts';
import {
  channelByteLength,
  ENTRY_ALIGN,
  GUARD_BYTE,
  GUARD_SIZE,
  guardOffset,
  LAYOUT_MAGIC,
  MAGIC,
  MAX_CHANNEL_BYTES,
  MAX_RECORD_SIZE,
  MAX_SEGMENT_COUNT,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  SEGMENT_COUNT,
  SEGMENT_SIZE,
} from './layout.ts';
import type { ChannelHandle, ChannelOptions } from './types.ts';

export const DEFAULT_SEGMENT_SIZE = 32 * 1024;
export const DEFAULT_SEGMENT_COUNT = 8;
export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `channel option ${name} must be an integer in [${min}, ${max}], got ${value}`,
      { details: { option: name, value, min, max } },
    );
  }
}

export function createChannel(options: ChannelOptions = {}): ChannelHandle {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  const segmentCount = options.segmentCount ?? DEFAULT_SEGMENT_COUNT;
  const maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
  checkInteger('segmentSize', segmentSize, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE);
  checkInteger('segmentCount', segmentCount, 1, MAX_SEGMENT_COUNT);
  checkInteger('maxRecordSize', maxRecordSize, 0, MAX_RECORD_SIZE);
  if (segmentSize % ENTRY_ALIGN !== 0) {
    throw new ConfigError(
      `channel option segmentSize must be a multiple of ${ENTRY_ALIGN}, got ${segmentSize}`,
      { details: { option: 'segmentSize', value: segmentSize } },
    );
  }
  const byteLength = channelByteLength(segmentSize, segmentCount);
  if (byteLength > MAX_CHANNEL_BYTES) {
    throw new ConfigError(
      `channel of ${segmentCount} x ${segmentSize} B segments needs ${byteLength} bytes, ` +
        `over the limit of ${MAX_CHANNEL_BYTES}`,
      { details: { segmentSize, segmentCount, limit: MAX_CHANNEL_BYTES } },
    );
  }

  const sab = new SharedArrayBuffer(byteLength);
  const i32 = new Int32Array(sab);
  i32[SEGMENT_SIZE] = segmentSize;
  i32[SEGMENT_COUNT] = segmentCount;
  i32[MAGIC] = LAYOUT_MAGIC;
  const guard = guardOffset(segmentSize, segmentCount);
  new Uint8Array(sab, guard, GUARD_SIZE).fill(GUARD_BYTE);
  return {
    sab,
    segmentSize,
    segmentCount,
    maxRecordSize,
    codec: options.codec ?? { kind: 'general' },
    name: options.name ?? 'channel',
  };
}

/** Checks that a handle describes the buffer it carries (it may have crossed threads). */
export function checkHandle(handle: ChannelHandle): Int32Array {
  const { sab, segmentSize, segmentCount, name } = handle;
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < MIN_SEGMENT_SIZE) {
    throw new ConfigError(`channel ${name}: handle.sab is not a channel's SharedArrayBuffer`);
  }
  const i32 = new Int32Array(sab);
  if (
    i32[MAGIC] !== LAYOUT_MAGIC ||
    i32[SEGMENT_SIZE] !== segmentSize ||
    i32[SEGMENT_COUNT] !== segmentCount ||
    sab.byteLength !== channelByteLength(segmentSize, segmentCount)
  ) {
    throw new ConfigError(
      `channel ${name}: the buffer does not match the handle (magic ${i32[MAGIC]}, ` +
        `segments ${i32[SEGMENT_COUNT]} x ${i32[SEGMENT_SIZE]} B, handle says ${segmentCount} x ${segmentSize} B)`,
    );
  }
  return i32;
}
