/**
 * The API builds the logical graph; the planner turns it into actors and channels. No
 * threads here: plans are plain data.
 */

import { describe, expect, it } from 'vitest';
import { pipeline } from '../../../operators/pipeline.ts';
import type { PipelineBuilder } from '../../../operators/stream.ts';
import { OutputTag } from '../../../operators/types.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { describePlan, plan } from '../../../runtime/graph/planner.ts';
import { collectSink, rangeSource } from '../../fixtures/jobs/memory.ts';

const build = (fn: (p: PipelineBuilder) => void) => pipeline(fn).build({});
const numbers = () => rangeSource(10, (i) => i);

describe('graph', () => {
  it('numbers nodes in creation order with ids "<label>#<index>"', () => {
    const graph = build((p) => {
      p.from(numbers())
        .map((n) => n + 1)
        .name('inc')
        .filter((n) => n > 2)
        .to(collectSink());
    });
    expect(graph.nodes.map((n) => n.id)).toEqual(['range#0', 'inc#1', 'filter#2', 'collect#3']);
    expect(graph.nodes[3]!.inputs).toEqual([
      { from: 2, tag: undefined, partitioning: { kind: 'auto' } },
    ]);
  });

  it('refuses a pipeline without a sink, bad parallelism and unknown side outputs', () => {
    expect(() => build((p) => void p.from(numbers()).map((n) => n))).toThrow(/no sink/);
    expect(() =>
      build(
        (p) =>
          void p
            .from(numbers())
            .map((n) => n)
            .parallelism(0),
      ),
    ).toThrow(/parallelism of map#1 must be an integer ≥ 1, got 0/);
    expect(() =>
      build(
        (p) =>
          void p
            .from(numbers())
            .map((n) => n)
            .sideOutput(new OutputTag('x')),
      ),
    ).toThrow(/map#1 does not emit to side output 'x'/);
    expect(() =>
      build((p) => {
        const a = p.from(numbers());
        a.union(p.from(numbers())).parallelism(2);
      }),
    ).toThrow(ConfigError);
  });

  it('puts a sink partitioner on the edge into the sink (the replica hook)', () => {
    const partitioner = {
      prepare: async () => 3,
      open: (n: unknown) => (record: number) => record % (n as number),
    };
    const graph = build((p) => {
      p.from(numbers()).to({ ...collectSink<number>(), partitioner });
    });
    expect(graph.nodes[1]!.inputs[0]!.partitioning).toEqual({ kind: 'replica', partitioner });
  });
});

describe('planner', () => {
  it('chains forward edges of equal parallelism into one actor with no channel', () => {
    const graph = build((p) => {
      p.from(numbers())
        .map((n) => n)
        .filter(Boolean)
        .to(collectSink());
    });
    const physical = plan(graph, 3);
    expect(physical.parallelism).toEqual([3, 3, 3, 3]);
    expect(physical.channels).toEqual([]);
    expect(physical.actors.map((a) => [a.id, a.nodes, a.worker])).toEqual([
      ['range#0/0', [0, 1, 2, 3], 0],
      ['range#0/1', [0, 1, 2, 3], 1],
      ['range#0/2', [0, 1, 2, 3], 2],
    ]);
  });

  it('makes one channel per producer/consumer pair of a hash edge', () => {
    const graph = build((p) => {
      p.from(numbers())
        .keyBy((n) => n % 3)
        .reduce((a, b) => a + b)
        .to(collectSink());
    });
    const physical = plan(graph, 2);
    expect(physical.channels.map((c) => c.name)).toEqual([
      'range#0/0 -> reduce#1/0',
      'range#0/0 -> reduce#1/1',
      'range#0/1 -> reduce#1/0',
      'range#0/1 -> reduce#1/1',
    ]);
    const producer = physical.actors.find((a) => a.id === 'range#0/1')!;
    expect(producer.outputs).toEqual([
      { node: 0, tag: undefined, partitioning: 'hash', to: 1, inputIndex: 0, channels: [2, 3] },
    ]);
    const consumer = physical.actors.find((a) => a.id === 'reduce#1/1')!;
    expect(consumer.inputs).toEqual([1, 3]);
    expect(consumer.nodes).toEqual([1, 2]);
    expect(describePlan(graph, physical)).toBe(
      '[range#0] ×2  hash → reduce#1\n[reduce#1 → collect#2] ×2',
    );
  });

  it('resolves auto edges: forward at equal parallelism, rebalance otherwise', () => {
    const graph = build((p) => {
      p.from(numbers())
        .map((n) => n)
        .parallelism(1)
        .to(collectSink());
    });
    const physical = plan(graph, 2);
    expect(physical.actors.map((a) => a.id)).toEqual([
      'range#0/0',
      'range#0/1',
      'map#1/0',
      'collect#2/0',
      'collect#2/1',
    ]);
    const source = physical.actors[0]!;
    expect(source.outputs[0]!.partitioning).toBe('rebalance');
    // map#1 (×1) → collect (×2): rebalance again, so the sink is its own actor.
    const map = physical.actors.find((a) => a.id === 'map#1/0')!;
    expect(map.outputs[0]!.partitioning).toBe('rebalance');
    expect(map.outputs[0]!.channels).toHaveLength(2);
  });

  it('connects broadcast to every consumer and forward to the same index only', () => {
    const graph = build((p) => {
      const s = p.from(numbers());
      s.broadcast().to(collectSink());
      s.union(s).forward().to(collectSink());
    });
    const physical = plan(graph, 2);
    const source = physical.actors.find((a) => a.id === 'range#0/1')!;
    expect(
      source.outputs.map((o) => [o.partitioning, o.channels.filter((c) => c !== undefined).length]),
    ).toEqual([
      ['broadcast', 2],
      ['forward', 1],
      ['forward', 1],
    ]);
  });

  it('caps parallelism by the connector and rejects impossible plans', () => {
    const single = () => rangeSource(10, (i) => i, { maxParallelism: 1 });
    const graph = build((p) => void p.from(single()).to(collectSink()));
    expect(plan(graph, 4).parallelism).toEqual([1, 4]);
    const tooMany = build((p) => void p.from(single()).parallelism(2).to(collectSink()));
    expect(() => plan(tooMany, 2)).toThrow(
      /range#0 asks for parallelism 2 but its connector allows at most 1/,
    );
    const forward = build(
      (p) =>
        void p
          .from(numbers())
          .forward()
          .map((n) => n)
          .parallelism(1)
          .to(collectSink()),
    );
    expect(() => plan(forward, 2)).toThrow(
      /forward edge range#0 → map#1 needs equal parallelism, got 2 and 1/,
    );
    expect(() => plan(graph, 0)).toThrow(/workers must be an integer ≥ 1, got 0/);
  });

  it('chains side outputs and several consumers as a tree in one actor', () => {
    const bad = new OutputTag<{ record: number; error: string }>('bad');
    const graph = build((p) => {
      const m = p.from(numbers()).map((n) => n, { rejects: bad });
      m.to(collectSink());
      m.sideOutput(bad).to(collectSink());
    });
    const physical = plan(graph, 1);
    expect(physical.actors).toHaveLength(1);
    expect(physical.actors[0]!.links).toEqual([
      { node: 0, tag: undefined, to: 1 },
      { node: 1, tag: undefined, to: 2 },
      { node: 1, tag: 'bad', to: 3 },
    ]);
  });
});
