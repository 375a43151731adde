import { describe, expect, it } from 'vitest';
import {
  parseMaxBytesPerSecond,
  parseMaxConcurrentQueries,
  parseMaxPerSecond,
} from '../../../cli/load/executor-options.ts';
import { resolveLoadOptions } from '../../../cli/load/options.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { parsed } from './parse-args.ts';

const base = ['-url', 'a.csv', '-k', 'ks', '-t', 'users'];

describe("DSBulk's throttles on the load command line", () => {
  it('arrive under every DSBulk spelling, as numbers for the whole load', async () => {
    for (const args of [
      [
        '-maxConcurrentQueries',
        '12',
        '--executor.maxPerSecond',
        '5000',
        '--executor.maxBytesPerSecond',
        '2M',
      ],
      [
        '--engine.maxConcurrentQueries',
        '12',
        '--dsbulk.executor.maxPerSecond',
        '5000',
        '--dsbulk.executor.maxBytesPerSecond',
        '2 mebibytes',
      ],
      [
        '--dsbulk.engine.maxConcurrentQueries=12',
        '-maxPerSecond',
        '5e3',
        '-maxBytesPerSecond',
        '2097152',
      ],
    ]) {
      const plan = resolveLoadOptions(await parsed([...base, ...args]), {});
      expect(plan).toMatchObject({
        maxConcurrentQueries: 12,
        maxRowsPerSecond: 5000,
        maxBytesPerSecond: 2 * 1024 * 1024,
      });
    }
  });

  it('are off by default, and with DSBulk’s AUTO and -1', async () => {
    for (const args of [
      [],
      ['-maxConcurrentQueries', 'AUTO', '--executor.maxPerSecond', '-1'],
      ['--executor.maxBytesPerSecond', '-1', '--executor.maxPerSecond', '0'],
    ]) {
      expect(resolveLoadOptions(await parsed([...base, ...args]), {})).toMatchObject({
        maxConcurrentQueries: undefined,
        maxRowsPerSecond: undefined,
        maxBytesPerSecond: undefined,
      });
    }
  });
});

describe('parsing the throttles', () => {
  it('maxConcurrentQueries: a count, a multiple of the cores (at least 1), or AUTO', () => {
    expect(parseMaxConcurrentQueries('7', 8)).toBe(7);
    expect(parseMaxConcurrentQueries('2C', 8)).toBe(16);
    expect(parseMaxConcurrentQueries('0.5c', 8)).toBe(4);
    expect(parseMaxConcurrentQueries('0.1C', 2)).toBe(1);
    expect(parseMaxConcurrentQueries('auto', 8)).toBe(undefined);
    for (const text of ['0', '-1', 'lots', '1.5', '0C', '']) {
      const error = (() => {
        try {
          parseMaxConcurrentQueries(text, 8);
        } catch (e) {
          return e as ConfigError;
        }
        return undefined;
      })();
      expect(error, text).toBeInstanceOf(ConfigError);
      expect(error!.message).toContain('option -maxConcurrentQueries must be');
      expect(error!.details).toEqual({ option: 'maxConcurrentQueries' });
    }
  });

  it('maxPerSecond: rows per second; 0 or less is no limit; anything else is named', () => {
    expect(parseMaxPerSecond('250.5')).toBe(250.5);
    expect(parseMaxPerSecond('-1')).toBe(undefined);
    expect(() => parseMaxPerSecond('fast')).toThrow(
      'option --executor.maxPerSecond must be a number of rows per second, or -1 for no limit, got "fast"',
    );
  });

  it("maxBytesPerSecond: HOCON's sizes, K for 1024 and kB for 1000", () => {
    expect(parseMaxBytesPerSecond('1234')).toBe(1234);
    expect(parseMaxBytesPerSecond('1K')).toBe(1024);
    expect(parseMaxBytesPerSecond('1k')).toBe(1024);
    expect(parseMaxBytesPerSecond('1kB')).toBe(1000);
    expect(parseMaxBytesPerSecond('5 kibibytes')).toBe(5 * 1024);
    expect(parseMaxBytesPerSecond('10MB')).toBe(10_000_000);
    expect(parseMaxBytesPerSecond('1.5MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseMaxBytesPerSecond('2 gigabytes')).toBe(2e9);
    expect(parseMaxBytesPerSecond('-1')).toBe(undefined);
    expect(() => parseMaxBytesPerSecond('10 parsecs')).toThrow(
      /option --executor.maxBytesPerSecond must be bytes per second.*got "10 parsecs"/,
    );
  });
});
