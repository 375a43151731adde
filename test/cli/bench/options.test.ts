import { describe, expect, it } from 'vitest';
import { instancePlan } from '../../../cli/bench/job.ts';
import {
  parseCount,
  parseRatio,
  type RawBenchOptions,
  resolveBenchOptions,
} from '../../../cli/bench/options.ts';
import { parseDuration } from '../../../cli/durations.ts';
import { ConfigError } from '../../../runtime/errors.ts';

describe('option parsing', () => {
  it('reads durations with units, bare seconds, counts with suffixes, and ratios', () => {
    expect(parseDuration('30s', 'duration')).toBe(30_000_000);
    expect(parseDuration('1.5m', 'duration')).toBe(90_000_000);
    expect(parseDuration('250ms', 'warmup')).toBe(250_000);
    expect(parseDuration('2h', 'duration')).toBe(7_200_000_000);
    expect(parseDuration('5', 'warmup')).toBe(5_000_000);
    expect(parseCount('10k', 'count', 1)).toBe(10_000);
    expect(parseCount('2M', 'count', 1)).toBe(2_000_000);
    expect(parseCount('1_000', 'count', 1)).toBe(1_000);
    expect(parseRatio('3:1')).toEqual({ reads: 3, writes: 1 });
    expect(parseRatio('0:1')).toEqual({ reads: 0, writes: 1 });
  });

  const bad: Array<[string, RawBenchOptions, RegExp]> = [
    [
      'a rate of zero',
      { rate: '0' },
      /--rate must be a positive number of operations per second, got "0"/,
    ],
    ['a rate that is not a number', { rate: 'fast' }, /--rate .* got "fast"/],
    [
      'a duration without a number',
      { duration: 'soon' },
      /--duration must be a duration such as 30s/,
    ],
    ['a zero duration', { duration: '0s' }, /--duration must be longer than 0/],
    [
      'both duration and count',
      { duration: '10s', count: '5' },
      /--duration and --count cannot be given together/,
    ],
    ['a fractional count', { count: '1.5' }, /--count must be a whole number from 1/],
    [
      'fewer in flight than workers',
      { concurrency: '2', workers: '4' },
      /--concurrency 2 is less than --workers 4/,
    ],
    ['zero workers', { workers: '0' }, /--workers must be a whole number from 1 to 256 .*got "0"/],
    ['an unknown consistency', { consistency: 'MOST' }, /--consistency must be one of ANY, ONE/],
    [
      'an unknown value type',
      { valueType: 'json' },
      /--value-type must be blob or text, got "json"/,
    ],
    ['a ratio of nothing', { ratio: '0:0' }, /--ratio must be reads:writes/],
    [
      'a keyspace that would inject CQL',
      { keyspace: 'ks; DROP TABLE x' },
      /--keyspace must be a letter then/,
    ],
    [
      'a bad port in the hosts',
      { host: 'a:99999' },
      /--host must be a list of host or host:port \(ports 1 to 65535\), got "a:99999"/,
    ],
    ['an empty host list', { host: ' , ' }, /--host must be a list of host or host:port/],
    ['an out-of-range rf', { rf: '0' }, /--rf must be a whole number from 1 to 32/],
  ];

  it.each(bad)('rejects %s with a ConfigError naming the flag', (_, raw, message) => {
    let caught: unknown;
    try {
      resolveBenchOptions('insert', raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toMatch(message);
  });

  it('rejects an unknown workload, listing the known ones', () => {
    expect(() => resolveBenchOptions('scan', {})).toThrow(
      'unknown workload "scan"; known workloads: insert, insert-ts, read, mixed',
    );
  });

  it('never echoes the password in an error', () => {
    expect(() => resolveBenchOptions('insert', { password: 's3cret', rate: 'x' })).toThrow(
      /^(?!.*s3cret)/,
    );
  });

  it('defaults to 30 s at maximum throughput, on the cluster that load would use', () => {
    const plan = resolveBenchOptions('insert', {}, {});
    expect(plan.durationUs).toBe(30_000_000);
    expect(plan.count).toBeUndefined();
    expect(plan.rate).toBeUndefined();
    // No -h: CASSANDRA_CONTACT_POINTS, else the local cluster (resolveTarget), as for load.
    expect(plan.connection.hosts).toBeUndefined();
    expect(plan.workloadOptions.consistency).toBe('LOCAL_ONE');
  });

  it('takes the connection flags with the same spellings and rules as load', () => {
    const plan = resolveBenchOptions(
      'insert',
      { host: 'a, b:9043,[::1]', port: '9044', username: 'bob', consistency: 'local_quorum' },
      { SLUICE_PASSWORD: 'pw' },
    );
    expect(plan.connection.hosts).toEqual(['a:9044', 'b:9043', '[::1]:9044']);
    expect(plan.connection.password).toBe('pw');
    expect(plan.workloadOptions.consistency).toBe('LOCAL_QUORUM');
    for (const [raw, flag] of [
      [{ host: 'a b' }, 'host'],
      [{ host: 'a:70000' }, 'host'],
      [{ port: '0' }, 'port'],
      [{ username: 'bob' }, 'password'],
      [{ password: 'pw' }, 'username'],
      [{ consistency: 'SOME' }, 'consistency'],
      [{ dc: 'a b' }, 'dc'],
    ] as const) {
      const error = (() => {
        try {
          resolveBenchOptions('insert', raw, {});
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error(`accepted ${JSON.stringify(raw)}`);
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.details?.option, JSON.stringify(raw)).toBe(flag);
      expect(error.message).toContain(`--${flag}`);
      expect(error.message).not.toContain('pw');
    }
  });
});

describe('instancePlan', () => {
  it('splits count and concurrency across workers and keeps the whole rate for the shared schedule', () => {
    const run = {
      warmupUs: 0,
      durationUs: undefined,
      count: 1001,
      concurrency: 10,
      rate: 900,
      workers: 3,
    };
    const signal = new AbortController().signal;
    const plans = [0, 1, 2].map((instance) =>
      instancePlan(
        run,
        { operatorId: 'operations#0', instance, parallelism: 3, signal },
        Date.now(),
      ),
    );
    expect(plans.map((s) => s.count)).toEqual([334, 334, 333]);
    expect(plans.map((s) => s.concurrency)).toEqual([4, 3, 3]);
    expect(plans.map((s) => [s.rate, s.worker, s.workers])).toEqual([
      [900, 0, 3],
      [900, 1, 3],
      [900, 2, 3],
    ]);
  });
});
