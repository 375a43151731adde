/**
 * Operators in isolation, on one thread, driven the way an actor drives them.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterOperator, flatMapOperator, mapOperator } from '../../operators/map.ts';
import { processOperator, toProcessFunction } from '../../operators/process.ts';
import { aggregateOperator, reduceOperator } from '../../operators/reduce.ts';
import { OutputTag } from '../../operators/types.ts';
import { ProcessingTimers } from '../../runtime/actor/timers.ts';
import { hashKey, instanceForKey, normalizeKey } from '../../runtime/graph/keys.ts';
import type { Collector, OperatorFactory, OperatorInstance } from '../../runtime/graph/operator.ts';

function harness(factory: OperatorFactory, timers = new ProcessingTimers()) {
  const main: unknown[] = [];
  const side: Record<string, unknown[]> = {};
  const out: Collector = {
    emit: (r) => main.push(r),
    emitTo: (tag, r) => (side[tag] ??= []).push(r),
  };
  const op: OperatorInstance = factory({
    operatorId: 'op#1',
    nodeIndex: 1,
    instance: 0,
    parallelism: 1,
    timers,
  });
  return { op, out, main, side, timers };
}

describe('map, filter, flatMap', () => {
  it('transform records and route failures to the rejects side output', () => {
    const m = harness(
      mapOperator((n: number) => {
        if (n === 2) throw new Error('two is bad');
        return n * 10;
      }, 'rejects'),
    );
    for (const n of [1, 2, 3]) m.op.process(n, m.out);
    expect(m.main).toEqual([10, 30]);
    expect(m.side).toEqual({ rejects: [{ record: 2, error: 'two is bad' }] });

    const f = harness(filterOperator((n: number) => n % 2 === 1));
    for (const n of [1, 2, 3]) f.op.process(n, f.out);
    expect(f.main).toEqual([1, 3]);

    const fm = harness(
      flatMapOperator(function* (n: number) {
        yield n;
        if (n === 2) throw new Error('half done');
        yield -n;
      }, 'rejects'),
    );
    for (const n of [1, 2]) fm.op.process(n, fm.out);
    // A record that fails halfway emits nothing: it is rejected whole.
    expect(fm.main).toEqual([1, -1]);
    expect(fm.side.rejects).toEqual([{ record: 2, error: 'half done' }]);
  });

  it('let errors through when no rejects tag is given', () => {
    const m = harness(
      mapOperator(() => {
        throw new TypeError('boom');
      }),
    );
    expect(() => m.op.process(1, m.out)).toThrow('boom');
  });
});

describe('reduce and aggregate', () => {
  it('reduce emits the rolling value per key, including a first falsy value', () => {
    const h = harness(
      reduceOperator(
        (r: { k: string; v: number }) => r.k,
        (a, b) => ({ k: a.k, v: a.v + b.v }),
      ),
    );
    for (const r of [
      { k: 'a', v: 0 },
      { k: 'b', v: 1 },
      { k: 'a', v: 2 },
    ])
      h.op.process(r, h.out);
    expect(h.main).toEqual([
      { k: 'a', v: 0 },
      { k: 'b', v: 1 },
      { k: 'a', v: 2 },
    ]);
  });

  it('aggregate emits one result per key at the end, treating equal object keys as one', () => {
    const h = harness(
      aggregateOperator((r: { k: { id: number } }) => r.k, {
        create: () => 0,
        add: (n) => n + 1,
        result: (n, key) => ({ key, n }),
      }),
    );
    for (const id of [1, 2, 1, 1]) h.op.process({ k: { id } }, h.out);
    expect(h.main).toEqual([]);
    h.op.finish!(h.out);
    expect(h.main).toEqual([
      { key: { id: 1 }, n: 3 },
      { key: { id: 2 }, n: 1 },
    ]);
  });
});

describe('process', () => {
  it('keeps value state per key and fires timers once per (key, timestamp)', () => {
    const tag = new OutputTag<string>('odd');
    const h = harness(
      processOperator(
        toProcessFunction<{ k: string; v: number }, string, string>({
          processElement(r, ctx) {
            const s = ctx.state<number>('sum');
            s.update((s.value() ?? 0) + r.v);
            ctx.timers.registerProcessingTime(100);
            if (r.v % 2) ctx.output(tag, `${ctx.key}:${r.v}`);
          },
          onTimer(ts, ctx) {
            ctx.emit(`${ctx.key}@${ts}=${ctx.state<number>('sum').value()}`);
            ctx.state('sum').clear();
          },
        }),
        (r) => r.k,
      ),
    );
    for (const r of [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
      { k: 'a', v: 4 },
    ])
      h.op.process(r, h.out);
    expect(h.side).toEqual({ odd: ['a:1'] });
    expect(h.timers.size).toBe(2);
    expect(h.timers.popDue(99)).toBeUndefined();
    for (let t = h.timers.popDue(100); t; t = h.timers.popDue(100))
      h.op.onTimer!(t.timestamp, t.key, h.out);
    expect(h.main.sort()).toEqual(['a@100=5', 'b@100=2']);
  });

  it('refuses keyed state on a stream without keyBy', () => {
    const h = harness(
      processOperator(
        toProcessFunction((_r, ctx) => ctx.state('x')),
        undefined,
      ),
    );
    expect(() => h.op.process(1, h.out)).toThrow(
      /needs a keyed stream: call keyBy\(\) before process\(\)/,
    );
  });
});

describe('timers', () => {
  it('pop in timestamp order, deduplicated, skipping deleted ones (seeded property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom('a', 'b', 'c'), fc.boolean()),
        ),
        (ops) => {
          const timers = new ProcessingTimers();
          const model = new Map<string, number>();
          for (const [ts, key, isDelete] of ops) {
            if (isDelete) {
              timers.remove(0, ts, key);
              model.delete(`${ts}|${key}`);
            } else {
              timers.register(0, ts, key);
              model.set(`${ts}|${key}`, ts);
            }
          }
          const popped: string[] = [];
          let last = -1;
          for (let t = timers.popDue(Infinity); t; t = timers.popDue(Infinity)) {
            expect(t.timestamp).toBeGreaterThanOrEqual(last);
            last = t.timestamp;
            popped.push(`${t.timestamp}|${t.key}`);
          }
          expect(popped.sort()).toEqual([...model.keys()].sort());
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('keys', () => {
  it('hash equal keys equally on any thread and spread keys evenly', () => {
    expect(hashKey({ a: 1 })).toBe(hashKey({ a: 1 }));
    expect(normalizeKey([1, 'x'])).toBe('[1,"x"]');
    expect(hashKey(1)).not.toBe(hashKey('1'));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[instanceForKey(`user${i}`, 4)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});
