/**
 * Cuts a byte stream into slices of whole records, for a parser that works on whole records
 * only. Record ends come from a scanner (quote-aware for CSV, every '\n' for JSON Lines), so
 * a slice never cuts a record in two, and a reader can stop exactly at the first record that
 * starts at or after the end of its byte range.
 */

import { ConnectorError } from '../../runtime/errors.ts';

/** Reads a stream of bytes front to back; `null` at the end. */
export interface ChunkSource {
  read(): Promise<Uint8Array | null>;
}

/** Finds record ends: the contract `QuoteScanner` implements. */
export interface RecordEndScanner {
  newlines: number;
  lastEnd: number;
  newlinesAtLastEnd: number;
  scan(buf: Uint8Array, from: number, to: number, stopAt: number): number;
}

export interface Slice {
  bytes: Buffer;
  /** Absolute offset of the slice's first byte in the stream. */
  offset: number;
  /** Line number (1-based) of the slice's first byte. */
  line: number;
}

const BOM = [0xef, 0xbb, 0xbf];
/** Bytes of an over-long record kept for its report. */
const MAX_HEAD_BYTES = 1 << 10;

export class RecordSlicer {
  private buf: Buffer = Buffer.alloc(0);
  /** Absolute offset of buf[0]. */
  private base = 0;
  /** buf[0, scanned) has been through the scanner. */
  private scanned = 0;
  /** Newlines before buf[0]. */
  private newlinesBefore = 0;
  private isEof = false;
  private hasCheckedBom = false;
  private readonly source: ChunkSource;
  private readonly scanner: RecordEndScanner;
  private readonly maxRecordBytes: number;
  private readonly where: string;
  /** Set: a record over the limit is skipped and reported here instead of failing the read. */
  onOversize: ((line: number, head: Buffer, bytes: number) => void) | undefined;

  /**
   * `where` names the input in errors. `startOffset` is where `source` starts in the stream:
   * line numbers then count from there, and only a stream read from 0 may start with a BOM.
   */
  constructor(
    source: ChunkSource,
    scanner: RecordEndScanner,
    maxRecordBytes: number,
    where: string,
    startOffset = 0,
  ) {
    this.base = startOffset;
    this.hasCheckedBom = startOffset > 0;
    this.source = source;
    this.scanner = scanner;
    this.maxRecordBytes = maxRecordBytes;
    this.where = where;
  }

  /** Absolute offset of the next unconsumed byte: always a record start. */
  get position(): number {
    return this.base;
  }

  /**
   * The next record, whole (for a header line), or `null` at the end of the stream.
   * A UTF-8 byte order mark at the very start is dropped.
   */
  async nextRecord(): Promise<Slice | null> {
    return this.take(this.base + 1, true);
  }

  /**
   * Drop records until the next record start at or after `offset`; false when the stream
   * ends first. Nothing is kept in memory on the way, however far `offset` is.
   */
  async skipTo(offset: number): Promise<boolean> {
    // The byte order mark is no record: the first record starts after it.
    await this.checkBom();
    if (offset <= this.base) return true;
    return (await this.take(offset, false)) !== null && this.base >= offset;
  }

  /**
   * The next slice of whole records that all start before `end`, or `null` once the first
   * record starting at or after `end` (or the end of the stream) is reached.
   */
  async nextSlice(end: number): Promise<Slice | null> {
    await this.checkBom();
    for (;;) {
      if (this.base >= end) return null;
      if (this.scanned < this.buf.length) {
        const found = this.scanner.scan(this.buf, this.scanned, this.buf.length, end - this.base);
        // The scanner stops at `found`: bytes past it are still unscanned.
        this.scanned = found >= 0 ? found : this.buf.length;
        if (found >= 0) return this.consume(found, true);
        if (this.scanner.lastEnd >= 0) return this.consume(this.scanner.lastEnd, true);
      }
      if (this.isEof) {
        if (this.buf.length === 0) return null;
        this.newlinesAfterEof();
        return this.consume(this.buf.length, true);
      }
      if (this.buf.length > this.maxRecordBytes && this.onOversize !== undefined) {
        await this.skipOversize(this.onOversize);
        continue;
      }
      await this.fill();
    }
  }

  /**
   * The buffer holds the start of one record already longer than the limit, with no end in
   * sight: keep its head for the report, and read on without keeping anything to its end (as
   * the scanner finds it, so every reader agrees where the next record starts).
   */
  private async skipOversize(
    report: (line: number, head: Buffer, bytes: number) => void,
  ): Promise<void> {
    const line = this.newlinesBefore + 1;
    const head = Buffer.from(this.buf.subarray(0, MAX_HEAD_BYTES));
    let bytes = 0;
    for (;;) {
      bytes += this.buf.length;
      this.dropScanned();
      const chunk = await this.source.read();
      if (chunk === null) {
        this.isEof = true;
        break;
      }
      this.buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const found = this.scanner.scan(this.buf, 0, this.buf.length, 0);
      this.scanned = found >= 0 ? found : this.buf.length;
      if (found >= 0) {
        bytes += found;
        this.consume(found, false);
        break;
      }
    }
    report(line, head, bytes);
  }

  /** Scan to the first record end at or after `stopAt` (absolute), consuming up to it. */
  private async take(stopAt: number, keep: boolean): Promise<Slice | null> {
    for (;;) {
      await this.checkBom();
      if (this.scanned < this.buf.length) {
        const found = this.scanner.scan(
          this.buf,
          this.scanned,
          this.buf.length,
          Math.max(0, stopAt - this.base),
        );
        this.scanned = found >= 0 ? found : this.buf.length;
        if (found >= 0) return this.consume(found, keep);
        if (!keep) this.dropScanned();
      }
      if (this.isEof) {
        if (this.buf.length === 0) return null;
        this.newlinesAfterEof();
        return this.consume(this.buf.length, keep);
      }
      await this.fill();
    }
  }

  private consume(length: number, keep: boolean): Slice {
    const slice: Slice = {
      bytes: keep ? this.buf.subarray(0, length) : Buffer.alloc(0),
      offset: this.base,
      line: this.newlinesBefore + 1,
    };
    this.newlinesBefore =
      length === this.buf.length ? this.scanner.newlines : this.scanner.newlinesAtLastEnd;
    this.buf = this.buf.subarray(length);
    this.base += length;
    this.scanned -= length;
    return slice;
  }

  /** Skipping: the scanned bytes belong to a record we do not read; forget them. */
  private dropScanned(): void {
    this.base += this.buf.length;
    this.newlinesBefore = this.scanner.newlines;
    this.buf = Buffer.alloc(0);
    this.scanned = 0;
  }

  /** A last record without a trailing newline: the scanner's count already covers it. */
  private newlinesAfterEof(): void {
    this.scanner.newlinesAtLastEnd = this.scanner.newlines;
  }

  private async fill(): Promise<void> {
    if (this.buf.length > this.maxRecordBytes) {
      throw new ConnectorError(
        `${this.where}: the record at line ${this.newlinesBefore + 1} is longer than ` +
          `${this.maxRecordBytes} bytes (maxRecordBytes); is a quote left open?`,
        { details: { line: this.newlinesBefore + 1, limit: this.maxRecordBytes } },
      );
    }
    const chunk = await this.source.read();
    if (chunk === null) {
      this.isEof = true;
      return;
    }
    this.buf =
      this.buf.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([this.buf, chunk]);
  }

  private async checkBom(): Promise<void> {
    if (this.hasCheckedBom) return;
    while (this.buf.length < BOM.length && !this.isEof) await this.fill();
    this.hasCheckedBom = true;
    if (this.base === 0 && BOM.every((b, i) => this.buf[i] === b)) {
      this.buf = this.buf.subarray(BOM.length);
      this.base = BOM.length;
    }
  }
}
