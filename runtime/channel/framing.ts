/**
 * Entry framing inside a segment (see the table in layout.ts): a 4-byte little-endian header
 * `(payloadLength << KIND_BITS) | kind`, then the payload. Control events are entries too, so
 * they stay in order with the data around them.
 */

import { SluiceError } from '../errors.ts';
import { ENTRY_HEADER_SIZE, KIND_BITS } from './layout.ts';
import type { ControlEvent } from './types.ts';

export const EVENT_END = 0;
export const EVENT_WATERMARK = 1;
export const EVENT_BARRIER = 2;

/** An event payload: a 1-byte tag, then a float64 for watermark and barrier. */
export const EVENT_MAX_SIZE = 9;
/** The most an event entry takes in a segment. */
export const EVENT_ENTRY_SIZE = ENTRY_HEADER_SIZE + EVENT_MAX_SIZE;

export function writeEntryHeader(
  u8: Uint8Array,
  offset: number,
  kind: number,
  length: number,
): void {
  const word = ((length << KIND_BITS) | kind) >>> 0;
  u8[offset] = word;
  u8[offset + 1] = word >>> 8;
  u8[offset + 2] = word >>> 16;
  u8[offset + 3] = word >>> 24;
}

/** The raw header word; split with `& KIND_MASK` and `>>> KIND_BITS`. */
export function readEntryHeader(u8: Uint8Array, offset: number): number {
  return (
    (u8[offset]! | (u8[offset + 1]! << 8) | (u8[offset + 2]! << 16) | (u8[offset + 3]! << 24)) >>> 0
  );
}

export function writeU32(u8: Uint8Array, offset: number, value: number): void {
  u8[offset] = value;
  u8[offset + 1] = value >>> 8;
  u8[offset + 2] = value >>> 16;
  u8[offset + 3] = value >>> 24;
}

export const readU32 = readEntryHeader;

/** Writes the event's payload at `offset`; returns its length. */
export function encodeEvent(
  view: DataView,
  offset: number,
  event: Exclude<ControlEvent, { kind: 'abort' }>,
): number {
  switch (event.kind) {
    case 'end':
      view.setUint8(offset, EVENT_END);
      return 1;
    case 'watermark':
      view.setUint8(offset, EVENT_WATERMARK);
      view.setFloat64(offset + 1, event.timestamp, true);
      return EVENT_MAX_SIZE;
    case 'barrier':
      view.setUint8(offset, EVENT_BARRIER);
      view.setFloat64(offset + 1, event.checkpointId, true);
      return EVENT_MAX_SIZE;
    default:
      throw new SluiceError(`unknown control event kind ${JSON.stringify(event)}`);
  }
}

export function decodeEvent(view: DataView, offset: number): ControlEvent {
  const tag = view.getUint8(offset);
  switch (tag) {
    case EVENT_END:
      return { kind: 'end' };
    case EVENT_WATERMARK:
      return { kind: 'watermark', timestamp: view.getFloat64(offset + 1, true) };
    case EVENT_BARRIER:
      return { kind: 'barrier', checkpointId: view.getFloat64(offset + 1, true) };
    default:
      throw new SluiceError(`corrupt channel segment: unknown event tag ${tag} at byte ${offset}`);
  }
}
