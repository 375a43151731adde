import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../../cli/bench/report/console.ts';
import { toJson } from '../../../../cli/bench/report/json.ts';
import { SAMPLE_PASSWORD, sampleReport } from '../fixtures/sample-report.ts';

describe('console and JSON reports', () => {
  it('summarize both latencies of a fixed-rate run, per kind, with errors and notes', async () => {
    const report = await sampleReport();
    const text = formatSummary(report);
    expect(text).toContain('fixed rate 1,000 ops/s');
    expect(text).toMatch(/intended start\s+[\d.]+\s+[\d.]+/);
    expect(text).toMatch(/service time\s+[\d.]+/);
    expect(text).toMatch(/read \([\d,]+\)/);
    expect(text).toMatch(/errors [1-9]/);
    expect(text).toContain('note: keyspace sluice_bench already existed');
    const [min, p50, , , p99, , max] = /intended start\s+(.*)$/m
      .exec(text)![1]!
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(min! <= p50! && p50! <= p99! && p99! <= max!).toBe(true);
    expect(max).toBeCloseTo(report.latencyUs.max / 1000, 0);
  });

  it('never carry the password, only whether there is one', async () => {
    const report = await sampleReport();
    expect(formatSummary(report)).not.toContain(SAMPLE_PASSWORD);
    const json = toJson(report);
    expect(json).not.toContain(SAMPLE_PASSWORD);
    expect(JSON.parse(json).settings.connection).toEqual({
      contactPoints: ['127.0.0.1:9042', '127.0.0.2:9043'],
      localDataCenter: 'datacenter1',
      username: 'bench',
      hasPassword: true,
      tls: false,
    });
  });

  it('keeps the merged histograms in the JSON, decodable to the reported counts', async () => {
    const report = await sampleReport();
    const { decodeHistogram } = await import('../../../../runtime/metrics/histogram.ts');
    const parsed = JSON.parse(toJson(report));
    expect(decodeHistogram(parsed.histograms.latency).totalCount).toBe(report.ops);
    expect(parsed.latencyUs.p99).toBe(report.latencyUs.p99);
  });
});
