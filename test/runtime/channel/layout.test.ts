import { describe, expect, it } from 'vitest';
import * as L from '../../../runtime/channel/layout.ts';

describe('channel memory layout', () => {
  it('keeps the header fields where the table says', () => {
    expect([
      L.MAGIC_OFFSET,
      L.SEGMENT_SIZE_OFFSET,
      L.SEGMENT_COUNT_OFFSET,
      L.ABORT_STATE_OFFSET,
      L.ABORTED_BY_OFFSET,
      L.ABORT_MESSAGE_LENGTH_OFFSET,
    ]).toEqual([0, 4, 8, 12, 16, 20]);
    expect([L.WRITE_INDEX_OFFSET, L.PRODUCER_PARKED_OFFSET, L.CONSUMER_WAKE_OFFSET]).toEqual([
      64, 68, 72,
    ]);
    expect([L.READ_INDEX_OFFSET, L.CONSUMER_PARKED_OFFSET, L.PRODUCER_WAKE_OFFSET]).toEqual([
      128, 132, 136,
    ]);
    expect(L.ABORT_MESSAGE_OFFSET).toBe(192);
    expect(L.HEADER_SIZE).toBe(4096);
    expect(L.ABORT_MESSAGE_OFFSET + L.ABORT_MESSAGE_CAPACITY).toBe(L.HEADER_SIZE);
  });

  it('derives Int32 indices from the byte offsets', () => {
    expect(L.WRITE_INDEX * 4).toBe(L.WRITE_INDEX_OFFSET);
    expect(L.READ_INDEX * 4).toBe(L.READ_INDEX_OFFSET);
    expect(L.PRODUCER_WAKE * 4).toBe(L.PRODUCER_WAKE_OFFSET);
    expect(L.CONSUMER_WAKE * 4).toBe(L.CONSUMER_WAKE_OFFSET);
    expect(L.ABORT_STATE * 4).toBe(L.ABORT_STATE_OFFSET);
  });

  it('puts producer-written and consumer-written words on different cache lines', () => {
    const line = (offset: number) => Math.floor(offset / L.CACHE_LINE);
    expect(line(L.WRITE_INDEX_OFFSET)).not.toBe(line(L.READ_INDEX_OFFSET));
    expect(line(L.CONSUMER_WAKE_OFFSET)).not.toBe(line(L.PRODUCER_WAKE_OFFSET));
  });

  it('places the segment table, the aligned segments and the guard', () => {
    expect(L.SEGMENT_TABLE_OFFSET).toBe(4096);
    expect(L.SEGMENT_HEADER_SIZE).toBe(16);
    expect([
      L.SEG_BYTES_USED_OFFSET,
      L.SEG_ENTRY_COUNT_OFFSET,
      L.SEG_PUBLISH_INDEX_OFFSET,
      L.SEG_FLAGS_OFFSET,
    ]).toEqual([0, 4, 8, 12]);
    expect(L.segmentHeaderOffset(3)).toBe(4096 + 48);
    // 8 segments: table ends at 4224, already aligned; 5 segments: 4176 rounds up to 4224.
    expect(L.segmentsOffset(8)).toBe(4224);
    expect(L.segmentsOffset(5)).toBe(4224);
    expect(L.segmentOffset(32768, 8, 2)).toBe(4224 + 65536);
    expect(L.guardOffset(32768, 8)).toBe(4224 + 8 * 32768);
    expect(L.channelByteLength(32768, 8)).toBe(4224 + 8 * 32768 + 64);
  });

  it('wraps indices at a multiple of the segment count, far above twice the count', () => {
    for (const count of [1, 2, 3, 7, 8, 1000, L.MAX_SEGMENT_COUNT]) {
      const modulus = L.indexModulus(count);
      expect(modulus % count).toBe(0);
      expect(modulus).toBeLessThanOrEqual(2 ** 30);
      expect(modulus).toBeGreaterThan(2 ** 29);
    }
  });

  it('frames an entry header as (length << 2) | kind within 30 bits', () => {
    expect(L.KIND_MASK).toBe(3);
    expect(new Set([L.KIND_DATA, L.KIND_FRAGMENT_HEAD, L.KIND_FRAGMENT, L.KIND_EVENT]).size).toBe(
      4,
    );
    expect(L.MAX_SEGMENT_SIZE + L.ENTRY_ALIGN).toBe(2 ** 30);
  });

  it('aligns every payload to 8 bytes and never pads past the next header', () => {
    expect(L.FIRST_ENTRY_OFFSET).toBe(4);
    expect(L.FRAGMENT_TOTAL_SIZE).toBe(8);
    for (let payloadEnd = 8; payloadEnd < 200; payloadEnd++) {
      const next = L.nextEntryOffset(payloadEnd);
      expect((next + L.ENTRY_HEADER_SIZE) % 8).toBe(0);
      expect(next).toBeGreaterThanOrEqual(payloadEnd);
      expect(next - payloadEnd).toBeLessThan(8);
    }
    // A 20-byte payload after the first header: 4 + 4 + 20 = 28, next header at 28.
    expect(L.nextEntryOffset(28)).toBe(28);
    expect(L.nextEntryOffset(29)).toBe(36);
  });
});
