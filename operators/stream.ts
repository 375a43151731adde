/**
 * The DataStream API: what a job module calls to build its logical graph.
 *
 * A stream is a view on one or more producing nodes (several after `union`) plus the
 * partitioning the next operator's input edges will use. Every call that builds an operator
 * appends a node to the graph, so calling the same methods in the same order on every thread
 * yields the same node indices, which is what the fingerprint checks.
 */

import { ConfigError } from '../runtime/errors.ts';
import type { MalformedRecord, Sink, SinkPartitioner, Source } from '../runtime/graph/connector.ts';
import type { OperatorFactory } from '../runtime/graph/operator.ts';
import type {
  LogicalGraph,
  LogicalNode,
  NodeKind,
  Partitioning,
  ReplicaRoute,
} from '../runtime/graph/types.ts';
import { filterOperator, flatMapOperator, mapOperator } from './map.ts';
import { type ProcessArgument, processOperator, toProcessFunction } from './process.ts';
import { type Aggregator, aggregateOperator, reduceOperator } from './reduce.ts';
import type { OutputTag, Rejected } from './types.ts';

export interface OperatorOptions {
  /** Name shown in plans, metrics and errors; the operator id becomes "<name>#<index>". */
  name?: string;
  parallelism?: number;
}

export interface RejectingOptions<T> extends OperatorOptions {
  /** Records whose function throws go to this side output instead of failing the job. */
  rejects?: OutputTag<Rejected<T>>;
}

interface Head {
  node: number;
  tag: string | undefined;
}

function labelOf(name: string): string {
  // "csv(data.csv)" → "csv": ids stay short and free of paths.
  const cut = name.search(/[(\s]/);
  return cut > 0 ? name.slice(0, cut) : name;
}

export function checkParallelism(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`parallelism of ${what} must be an integer ≥ 1, got ${n}`);
  }
  return n;
}

export class GraphBuilder {
  readonly graph: LogicalGraph = { nodes: [] };

  addNode(
    kind: NodeKind,
    label: string,
    inputs: readonly Head[],
    partitioning: Partitioning,
    parts: Pick<LogicalNode, 'functions'> & Partial<LogicalNode>,
    options: OperatorOptions = {},
  ): LogicalNode {
    const index = this.graph.nodes.length;
    const name = options.name ?? label;
    const node: LogicalNode = {
      index,
      id: `${name}#${index}`,
      kind,
      label: name,
      parallelism: undefined,
      maxParallelism: undefined,
      inputs: inputs.map((h) => ({ from: h.node, tag: h.tag, partitioning })),
      sideOutputs: [],
      ...parts,
    };
    if (options.parallelism !== undefined) {
      node.parallelism = checkParallelism(options.parallelism, node.id);
    }
    this.graph.nodes.push(node);
    return node;
  }

  node(index: number): LogicalNode {
    return this.graph.nodes[index]!;
  }
}

/** The `p` of `pipeline((p, params) => …)`. */
export class PipelineBuilder {
  constructor(private readonly builder: GraphBuilder) {}

  /**
   * A source. With `rejects`, records the source cannot read (malformed lines) go to that side
   * output, with where they start and why, and the source reads on; without it, the first
   * one fails the job.
   */
  from<T>(
    source: Source<T>,
    options: OperatorOptions & { rejects?: OutputTag<MalformedRecord> } = {},
  ): DataStream<T> {
    if (typeof source?.open !== 'function') {
      throw new ConfigError('from() needs a Source: an object with name and open(ctx)');
    }
    const node = this.builder.addNode(
      'source',
      labelOf(source.name),
      [],
      { kind: 'auto' },
      {
        functions: [source.open],
        source: source as Source<unknown>,
        sideOutputs: options.rejects ? [options.rejects.id] : [],
      },
      options,
    );
    node.maxParallelism = source.maxParallelism;
    return new DataStream<T>(this.builder, [{ node: node.index, tag: undefined }], {
      kind: 'auto',
    });
  }
}

/** `K` is the key type after `keyBy`, undefined before. */
export class DataStream<T, K = undefined> {
  constructor(
    protected readonly builder: GraphBuilder,
    protected readonly heads: readonly Head[],
    protected readonly partitioning: Partitioning,
  ) {}

  /** The single node this stream comes out of; `.parallelism()` and `.name()` act on it. */
  protected single(what: string): LogicalNode {
    const head = this.heads[0];
    if (this.heads.length !== 1 || head === undefined || head.tag !== undefined) {
      throw new ConfigError(
        `${what}() applies to the operator that produced the stream; call it right after that operator (not after union() or sideOutput())`,
      );
    }
    return this.builder.node(head.node);
  }

  protected append<U>(
    kind: NodeKind,
    fn: (...args: never[]) => unknown,
    operator: OperatorFactory,
    options: OperatorOptions,
    sideOutputs: string[] = [],
  ): DataStream<U> {
    const node = this.builder.addNode(
      kind,
      kind,
      this.heads,
      this.partitioning,
      { functions: [fn], operator, sideOutputs },
      options,
    );
    return new DataStream<U>(this.builder, [{ node: node.index, tag: undefined }], {
      kind: 'auto',
    });
  }

  /** Set the number of instances of the operator that produced this stream. */
  parallelism(n: number): this {
    const node = this.single('parallelism');
    node.parallelism = checkParallelism(n, node.id);
    return this;
  }

  /** Name the operator that produced this stream (its id becomes "<name>#<index>"). */
  name(label: string): this {
    const node = this.single('name');
    node.label = label;
    node.id = `${label}#${node.index}`;
    return this;
  }

  map<U>(fn: (record: T) => U, options: RejectingOptions<T> = {}): DataStream<U> {
    const tags = options.rejects ? [options.rejects.id] : [];
    return this.append('map', fn, mapOperator(fn, options.rejects?.id), options, tags);
  }

  filter(fn: (record: T) => boolean, options: RejectingOptions<T> = {}): DataStream<T> {
    const tags = options.rejects ? [options.rejects.id] : [];
    return this.append('filter', fn, filterOperator(fn, options.rejects?.id), options, tags);
  }

  flatMap<U>(fn: (record: T) => Iterable<U>, options: RejectingOptions<T> = {}): DataStream<U> {
    const tags = options.rejects ? [options.rejects.id] : [];
    return this.append('flatMap', fn, flatMapOperator(fn, options.rejects?.id), options, tags);
  }

  /**
   * The general operator: emit, side outputs, processing-time timers and, after `keyBy`,
   * the current key and keyed value state.
   */
  process<U>(
    fn: ProcessArgument<T, U, K>,
    options: OperatorOptions & { sideOutputs?: OutputTag<unknown>[] } = {},
  ): DataStream<U> {
    const pf = toProcessFunction(fn);
    const tags = (options.sideOutputs ?? []).map((t) => t.id);
    return this.append(
      'process',
      pf.processElement,
      processOperator(pf, this.keySelector()),
      options,
      tags,
    );
  }

  /** The key function after `keyBy`, else undefined. */
  protected keySelector(): ((record: T) => K) | undefined {
    return undefined;
  }

  keyBy<K>(key: (record: T) => K): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.builder, this.heads, key);
  }

  /** Spread records round-robin over the next operator's instances. */
  rebalance(): DataStream<T> {
    return new DataStream<T>(this.builder, this.heads, { kind: 'rebalance' });
  }

  /** Send every record to every instance of the next operator. */
  broadcast(): DataStream<T> {
    return new DataStream<T>(this.builder, this.heads, { kind: 'broadcast' });
  }

  /** Instance i sends to instance i of the next operator, which must have equal parallelism. */
  forward(): DataStream<T> {
    return new DataStream<T>(this.builder, this.heads, { kind: 'forward' });
  }

  /** Route each record to the instance `route(record, instances)` returns. */
  partitionCustom(route: (record: T, instances: number) => number): DataStream<T> {
    return new DataStream<T>(this.builder, this.heads, {
      kind: 'replica',
      route: route as ReplicaRoute,
    });
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    const heads = [...this.heads];
    for (const other of others) {
      if (other.builder !== this.builder) {
        throw new ConfigError('union() of streams from two different pipelines');
      }
      heads.push(...other.heads);
    }
    return new DataStream<T>(this.builder, heads, { kind: 'auto' });
  }

  /** The records the producing operator sent to side output `tag`. */
  sideOutput<S>(tag: OutputTag<S>): DataStream<S> {
    const node = this.single('sideOutput');
    if (!node.sideOutputs.includes(tag.id)) {
      throw new ConfigError(
        `${node.id} does not emit to side output '${tag.id}' (it emits to: ${node.sideOutputs.join(', ') || 'none'})`,
      );
    }
    return new DataStream<S>(this.builder, [{ node: node.index, tag: tag.id }], { kind: 'auto' });
  }

  to(sink: Sink<T>, options: OperatorOptions = {}): DataStream<never> {
    if (typeof sink?.createWriter !== 'function') {
      throw new ConfigError('to() needs a Sink: an object with name and createWriter(ctx)');
    }
    const partitioner = sink.partitioner as SinkPartitioner<unknown> | undefined;
    const partitioning: Partitioning =
      partitioner !== undefined && this.partitioning.kind === 'auto'
        ? { kind: 'replica', partitioner }
        : this.partitioning;
    const node = this.builder.addNode(
      'sink',
      labelOf(sink.name),
      this.heads,
      partitioning,
      { functions: [sink.createWriter], sink: sink as Sink<unknown> },
      options,
    );
    node.maxParallelism = sink.maxParallelism;
    return new DataStream<never>(this.builder, [{ node: node.index, tag: undefined }], {
      kind: 'auto',
    });
  }
}

export class KeyedStream<T, K> extends DataStream<T, K> {
  constructor(
    builder: GraphBuilder,
    heads: readonly Head[],
    readonly key: (record: T) => K,
  ) {
    super(builder, heads, { kind: 'hash', key: key as (record: unknown) => unknown });
  }

  /** Rolling reduce per key: every record emits the key's updated value. */
  reduce(fn: (accumulator: T, record: T) => T, options: OperatorOptions = {}): DataStream<T> {
    return this.append('reduce', fn, reduceOperator(this.key, fn), options);
  }

  /** One result per key when the input ends. */
  aggregate<A, R>(
    aggregator: Aggregator<T, A, R, K>,
    options: OperatorOptions = {},
  ): DataStream<R> {
    return this.append(
      'aggregate',
      aggregator.add,
      aggregateOperator(this.key, aggregator),
      options,
    );
  }

  protected override keySelector(): (record: T) => K {
    return this.key;
  }
}
