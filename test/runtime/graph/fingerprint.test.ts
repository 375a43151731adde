import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../operators/pipeline.ts';
import {
  checkFingerprint,
  describeGraph,
  fingerprint,
  firstDifference,
} from '../../../runtime/graph/fingerprint.ts';
import { collectSink, rangeSource } from '../../fixtures/jobs/memory.ts';

const job = pipeline<{ double: boolean; p: number }>((p, params) => {
  const s = p.from(rangeSource(10, (i) => i));
  (params.double ? s.map((n) => n * 2) : s.map((n) => n + 1))
    .parallelism(params.p)
    .to(collectSink());
});

describe('fingerprint', () => {
  it('is stable for the same module and parameters', () => {
    const a = describeGraph(job.build({ double: true, p: 2 }));
    const b = describeGraph(job.build({ double: true, p: 2 }));
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(() =>
      checkFingerprint('job.ts', 'worker 0', a, job.build({ double: true, p: 2 })),
    ).not.toThrow();
  });

  it('changes with function source text and parallelism, and names the difference', () => {
    const base = describeGraph(job.build({ double: true, p: 2 }));
    const otherFn = describeGraph(job.build({ double: false, p: 2 }));
    const otherP = describeGraph(job.build({ double: true, p: 3 }));
    expect(fingerprint(otherFn)).not.toBe(fingerprint(base));
    expect(firstDifference(base, otherFn)).toMatch(/^operator #1 \(map#1\) has function source/);
    expect(firstDifference(base, otherP)).toBe(
      'operator #1 (map#1) has parallelism 3 instead of 2',
    );
    expect(firstDifference(base, base.slice(0, 2))).toBe('it lacks operator collect#2');
    expect(() =>
      checkFingerprint('file:///job.ts', 'worker 1', base, job.build({ double: true, p: 3 })),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_GRAPH_MISMATCH',
        message: expect.stringMatching(
          /job module file:\/\/\/job\.ts built a different graph on worker 1/,
        ),
      }),
    );
  });
});
