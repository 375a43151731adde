/**
 * Finds where CSV records end, without parsing them.
 *
 * A '\n' ends a record unless it lies inside a quoted field. Whether a byte lies inside
 * quotes cannot be decided by looking around it: `a,"x\ny"` and `"a,"x\ny"` differ only by a
 * quote far before the newline, and any window of the file can be read both ways. So a reader
 * that starts at byte b scans from the start of the file and keeps the scanner's state;
 * nothing else is sound. The scan is one tight byte loop (far faster than csv-parse on the
 * same bytes), so a reader starting at (k/n) of the file spends far less time finding its
 * start than parsing its own share.
 *
 * The scanner follows the fields as csv-parse reads them: a quote opens a quoted field only at
 * the start of a field (after spaces and tabs with `ltrim`); inside, a doubled quote (or, with a
 * distinct escape such as `\`, an escaped quote or escape) stands for itself, and a quote
 * followed by a delimiter or a line break closes the field. Anything else is malformed: a stray
 * quote inside an unquoted field (`5'11"`), or text after a closing quote. Such a record still
 * ends at its line break, as if the stray quote were text, so a malformed record costs one
 * record, never the rest of the file; csv-parse then rejects that record alone. A quote
 * opened and never closed runs to the end of the file: one record, reported as malformed.
 * With `comment`, a record that starts with that character runs to its line break, quotes
 * and all.
 *
 * Every reader runs the same state machine from the start of the file, so all agree on where
 * each record starts, however malformed the file: no record is read twice, none is skipped.
 * All record delimiters end with '\n' ("\n" or "\r\n"); ASCII bytes never occur inside UTF-8
 * multi-byte sequences, so scanning bytes is safe for UTF-8 text (and for any
 * ASCII-compatible encoding).
 */

const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

/** Scanner states; START is also "between records". */
const START = 0;
/** At the start of a field that is not the first of its record. */
const FIELD = 1;
/** Inside an unquoted field (or after a malformed quote: text up to the line break). */
const UNQUOTED = 2;
const QUOTED = 3;
/** Just after a quote inside a quoted field: it closes the field, or doubles. */
const AFTER_QUOTE = 4;
/** Just after the escape character inside a quoted field (escape distinct from quote). */
const ESCAPED = 5;
const COMMENT = 6;

export interface ScannerOptions {
  /** The quote byte, or -1 for none (JSON Lines: every '\n' ends a record). */
  quote: number;
  /** The escape byte; equal to `quote` for RFC 4180's doubled quote. */
  escape: number;
  /** The field delimiter's bytes (ASCII or UTF-8). */
  delimiter?: Uint8Array;
  /** A record starting with this byte is a comment; -1 for none. */
  comment?: number;
  /** Spaces and tabs before a quoted field are skipped (csv-parse's `ltrim`). */
  ltrim?: boolean;
}

export class QuoteScanner {
  /** Every '\n' scanned so far, quoted or not: line numbers are counted from these. */
  newlines = 0;
  /** Index (in the last scanned buffer) just past the last record end found by `scan`, or -1. */
  lastEnd = -1;
  /** `newlines` at `lastEnd`. */
  newlinesAtLastEnd = 0;
  private state = START;
  /** Bytes of a multi-byte delimiter matched so far. */
  private delimiterAt = 0;
  private readonly quote: number;
  private readonly escapeChar: number;
  private readonly delimiter: Uint8Array;
  private readonly comment: number;
  private readonly ltrim: boolean;

  constructor(options: ScannerOptions) {
    this.quote = options.quote;
    this.escapeChar = options.escape;
    this.delimiter = options.delimiter ?? Uint8Array.of(0x2c);
    this.comment = options.comment ?? -1;
    this.ltrim = options.ltrim === true;
  }

  /** True when the last byte scanned lies inside a quoted field. */
  get isInQuote(): boolean {
    return this.state === QUOTED || this.state === ESCAPED;
  }

  /** Between records: the last byte scanned ended one (or nothing was scanned). */
  get isAtRecordStart(): boolean {
    return this.state === START;
  }

  /**
   * Scan `buf[from, to)`. Returns the index just past the first record end whose index is at
   * least `stopAt` (scanning stops there), or -1 when there is none in the range.
   */
  scan(buf: Uint8Array, from: number, to: number, stopAt: number): number {
    if (this.quote < 0) return this.scanLines(buf, from, to, stopAt);
    const { quote, escapeChar, comment, ltrim } = this;
    const isRfc = quote === escapeChar;
    const delimiter = this.delimiter;
    const d0 = delimiter[0]!;
    const isOneByteDelimiter = delimiter.length === 1;
    let state = this.state;
    let newlines = this.newlines;
    let lastEnd = -1;
    let found = -1;
    for (let i = from; i < to; i++) {
      const b = buf[i]!;
      if (b === LF) {
        newlines++;
        if (state === QUOTED) continue;
        if (state === ESCAPED) {
          state = QUOTED;
          continue;
        }
        state = START;
        this.delimiterAt = 0;
        lastEnd = i + 1;
        this.newlinesAtLastEnd = newlines;
        if (lastEnd >= stopAt) {
          found = lastEnd;
          break;
        }
        continue;
      }
      switch (state) {
        case QUOTED:
          if (b === quote) state = AFTER_QUOTE;
          else if (!isRfc && b === escapeChar) state = ESCAPED;
          continue;
        case ESCAPED:
          // An escape before a quote or an escape makes it literal; before anything else the
          // escape is itself a literal, and so is the byte.
          state = QUOTED;
          continue;
        case COMMENT:
          continue;
        case START:
          if (b === comment) {
            state = COMMENT;
            continue;
          }
          state = FIELD;
          break;
        case AFTER_QUOTE:
          if (isRfc && b === quote) {
            state = QUOTED;
            continue;
          }
          // "\r\n" after a closing quote; anything else but a delimiter is malformed text.
          if (b === 0x0d) continue;
          state = UNQUOTED;
          break;
      }
      // FIELD or UNQUOTED: look for the delimiter, and for a quote opening a field.
      if (isOneByteDelimiter) {
        if (b === d0) state = FIELD;
        else if (state === FIELD) {
          if (b === quote) state = QUOTED;
          else if (!(ltrim && (b === SPACE || b === TAB))) state = UNQUOTED;
        }
        continue;
      }
      if (this.matchDelimiter(b)) {
        state = FIELD;
      } else if (state === FIELD && this.delimiterAt === 0) {
        if (b === quote) state = QUOTED;
        else if (!(ltrim && (b === SPACE || b === TAB))) state = UNQUOTED;
      } else if (this.delimiterAt > 0) {
        state = UNQUOTED;
      }
    }
    this.state = state;
    this.newlines = newlines;
    this.lastEnd = lastEnd;
    return found;
  }

  /** A multi-byte delimiter, matched one byte at a time so that it may straddle two reads. */
  private matchDelimiter(b: number): boolean {
    const delimiter = this.delimiter;
    if (b === delimiter[this.delimiterAt]) {
      this.delimiterAt++;
      if (this.delimiterAt === delimiter.length) {
        this.delimiterAt = 0;
        return true;
      }
      return false;
    }
    this.delimiterAt = b === delimiter[0] ? 1 : 0;
    return false;
  }

  private scanLines(buf: Uint8Array, from: number, to: number, stopAt: number): number {
    let newlines = this.newlines;
    let lastEnd = -1;
    let found = -1;
    for (let i = buf.indexOf(LF, from); i >= 0 && i < to; i = buf.indexOf(LF, i + 1)) {
      newlines++;
      lastEnd = i + 1;
      this.newlinesAtLastEnd = newlines;
      if (lastEnd >= stopAt) {
        found = lastEnd;
        break;
      }
    }
    this.newlines = newlines;
    this.lastEnd = lastEnd;
    return found;
  }
}
