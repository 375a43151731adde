import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveBenchOptions } from '../../../../cli/bench/options.ts';
import { bytesFor, textFor } from '../../../../cli/bench/random.ts';
import { insertTimeSeries, seriesRow } from '../../../../cli/bench/workloads/insert-time-series.ts';
import { keyValueSchema, valueFor } from '../../../../cli/bench/workloads/key-value.ts';
import { mixedKind, READ } from '../../../../cli/bench/workloads/mixed.ts';
import { readKey } from '../../../../cli/bench/workloads/read-by-key.ts';
import { createKeyspace } from '../../../../cli/bench/workloads/schema.ts';

describe('generated data', () => {
  it('is a pure function of (seed, seq): same bytes on every call, different across seeds and seqs', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat({ max: 2 ** 40 }),
        fc.integer({ min: 1, max: 300 }),
        (seed, seq, size) => {
          const a = bytesFor(seed, seq, size);
          expect(a.length).toBe(size);
          expect(bytesFor(seed, seq, size).equals(a)).toBe(true);
          if (size >= 8) {
            expect(bytesFor(seed + 1, seq, size).equals(a)).toBe(false);
            expect(bytesFor(seed, seq + 1, size).equals(a)).toBe(false);
          }
          const text = textFor(seed, seq, size);
          expect(text).toMatch(new RegExp(`^[A-Za-z0-9]{${size}}$`));
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('reads keys uniformly within the key space an insert wrote', () => {
    const keys = 1_000;
    const hits = new Array<number>(10).fill(0);
    let outside = 0;
    for (let seq = 0; seq < 100_000; seq++) {
      const key = readKey(1, keys, seq);
      if (!(Number.isInteger(key) && key >= 0 && key < keys)) outside++;
      else hits[Math.floor(key / 100)]!++;
    }
    expect(outside).toBe(0);
    for (const h of hits) expect(Math.abs(h - 10_000)).toBeLessThan(500);
  });

  it('mixes reads and writes in the asked ratio, also on each of several workers', () => {
    const ratio = { reads: 3, writes: 1 };
    const workers = 4;
    for (let worker = 0; worker < workers; worker++) {
      let reads = 0;
      let total = 0;
      for (let seq = worker; seq < 80_000; seq += workers) {
        if (mixedKind(7, ratio, seq) === READ) reads++;
        total++;
      }
      expect(reads / total).toBeGreaterThan(0.73);
      expect(reads / total).toBeLessThan(0.77);
    }
    expect(mixedKind(7, { reads: 0, writes: 1 }, 12)).not.toBe(READ);
  });

  it('lays out time series as N rows per series, one second apart, from a fixed origin', () => {
    const options = resolveBenchOptions('insert-ts', { rowsPerPartition: '3' }).workloadOptions;
    const rows = [0, 1, 2, 3, 7].map((seq) => seriesRow(options, seq));
    expect(rows.map((r) => [r.series, r.timestampMs - Date.UTC(2026, 0, 1)])).toEqual([
      [0, 0],
      [0, 1_000],
      [0, 2_000],
      [1, 0],
      [2, 1_000],
    ]);
    expect(seriesRow(options, 7).value).toBe(seriesRow(options, 7).value);
  });

  it('creates schema idempotently, with the asked replication in the asked data center', () => {
    const options = resolveBenchOptions('insert', {
      keyspace: 'ks1',
      rf: '3',
      dc: 'dc2',
      valueType: 'text',
    }).workloadOptions;
    expect(createKeyspace(options)).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks1 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc2': 3}",
    );
    expect(keyValueSchema(options)).toBe(
      'CREATE TABLE IF NOT EXISTS ks1.kv_text (key bigint PRIMARY KEY, value text)',
    );
    expect(typeof valueFor(options, 5)).toBe('string');
    expect(insertTimeSeries.schema(options)[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS ks1\.ts_text \(series bigint, ts timestamp, value double, payload text, PRIMARY KEY \(\(series\), ts\)\)/,
    );
  });
});
