/**
 * DSBulk's throttles of a load, parsed once at the edge into plain numbers for the sink:
 * `-maxConcurrentQueries` (`--engine.maxConcurrentQueries`), `--executor.maxPerSecond` and
 * `--executor.maxBytesPerSecond`, with DSBulk's spellings of their values.
 *
 * Each is a limit on the whole load; the sink divides it among its instances (see
 * connectors/cassandra/rate-limit.ts). Undefined means no limit.
 */

import { availableParallelism } from 'node:os';
import { ConfigError } from '../../runtime/errors.ts';

export interface Throttles {
  /** Requests in flight at once over the whole load; a batch is one request. */
  maxConcurrentQueries: number | undefined;
  /** Rows sent per second (a batch counts its rows; a retried row counts again). */
  maxRowsPerSecond: number | undefined;
  /** Bytes of serialized values sent per second. */
  maxBytesPerSecond: number | undefined;
}

function bad(option: string, expected: string, got: string): ConfigError {
  return new ConfigError(`option ${option} must be ${expected}, got ${JSON.stringify(got)}`, {
    details: { option: option.replace(/^-+/, '') },
  });
}

/**
 * `-maxConcurrentQueries`: a count ≥ 1; `NC`, N times the cores of this machine (`2C`,
 * `0.5C`, at least 1); or `AUTO`, DSBulk's default: no ceiling but the adaptive windows'.
 */
export function parseMaxConcurrentQueries(
  text: string | undefined,
  cores = availableParallelism(),
): number | undefined {
  if (text === undefined || text.trim().toUpperCase() === 'AUTO') return undefined;
  const t = text.trim();
  const perCore = /^(\d+(?:\.\d+)?)\s*C$/i.exec(t);
  if (perCore !== null && Number(perCore[1]) > 0) {
    return Math.max(1, Math.round(Number(perCore[1]) * cores));
  }
  if (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 1 << 20) return Number(t);
  throw bad(
    '-maxConcurrentQueries',
    `a count from 1 to ${1 << 20}, a multiple of the cores such as 2C, or AUTO`,
    text,
  );
}

/** `--executor.maxPerSecond`: rows per second; 0 or less (DSBulk's -1, the default) for none. */
export function parseMaxPerSecond(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw bad('--executor.maxPerSecond', 'a number of rows per second, or -1 for no limit', text);
  }
  return n > 0 ? n : undefined;
}

/** HOCON's size units (what DSBulk reads `maxBytesPerSecond` with): K is 1024, kB is 1000. */
const SIZE_UNITS: ReadonlyMap<string, number> = (() => {
  const units = new Map<string, number>();
  for (const name of ['', 'B', 'b', 'byte', 'bytes']) units.set(name, 1);
  const prefixes = [
    ['k', 'K', 'kilo', 'kibi'],
    ['M', 'M', 'mega', 'mebi'],
    ['G', 'G', 'giga', 'gibi'],
    ['T', 'T', 'tera', 'tebi'],
  ] as const;
  prefixes.forEach(([decimal, binary, decimalWord, binaryWord], i) => {
    const power = i + 1;
    for (const name of [`${decimal}B`, `${decimalWord}byte`, `${decimalWord}bytes`]) {
      units.set(name, 1000 ** power);
    }
    for (const name of [
      binary,
      binary.toLowerCase(),
      `${binary}i`,
      `${binary}iB`,
      `${binaryWord}byte`,
      `${binaryWord}bytes`,
    ]) {
      units.set(name, 1024 ** power);
    }
  });
  return units;
})();

/**
 * `--executor.maxBytesPerSecond`: bytes per second, as a number or a HOCON size (`1234`,
 * `512K`, `5 kibibytes`, `10MB`); 0 or less (DSBulk's -1, the default) for none.
 */
export function parseMaxBytesPerSecond(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = match === null ? undefined : SIZE_UNITS.get(match[2]!);
  if (match === null || unit === undefined) {
    throw bad(
      '--executor.maxBytesPerSecond',
      'bytes per second: a number or a size such as 512K, 10MB, 5 kibibytes; -1 for no limit',
      text,
    );
  }
  const n = Number(match[1]) * unit;
  return n > 0 ? n : undefined;
}

/** The three, from the command line's text. */
export function parseThrottles(args: {
  maxConcurrentQueries?: string;
  maxPerSecond?: string;
  maxBytesPerSecond?: string;
}): Throttles {
  return {
    maxConcurrentQueries: parseMaxConcurrentQueries(args.maxConcurrentQueries),
    maxRowsPerSecond: parseMaxPerSecond(args.maxPerSecond),
    maxBytesPerSecond: parseMaxBytesPerSecond(args.maxBytesPerSecond),
  };
}
