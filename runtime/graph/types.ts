/**
 * The logical graph: what a job module builds, identically, on the main thread and on every
 * worker. Nodes are numbered in creation order, so a node's inputs always have smaller
 * indices and the node list is already in topological order.
 *
 * A node holds the user's functions and connector objects; it never crosses threads. What
 * crosses threads is `describeGraph` output (plain data) and the physical plan.
 */

import type { Sink, SinkPartitioner, Source } from './connector.ts';
import type { OperatorFactory } from './operator.ts';

export type Params = Record<string, unknown>;

/**
 * How records travel along an edge. `auto` is what the user did not choose: the planner
 * resolves it to `forward` when both ends have the same parallelism, else `rebalance`.
 */
export type Partitioning =
  | { kind: 'auto' }
  | { kind: 'forward' }
  | { kind: 'rebalance' }
  | { kind: 'broadcast' }
  | { kind: 'hash'; key: (record: unknown) => unknown }
  | { kind: 'replica'; route: ReplicaRoute }
  | { kind: 'replica'; partitioner: SinkPartitioner<unknown> };

/**
 * Maps a record to the index of the consumer instance that must receive it, given the number
 * of consumer instances. A Cassandra sink supplies one to send a row to the instance that
 * owns its replicas.
 */
export type ReplicaRoute = (record: unknown, instances: number) => number;

export type PartitioningKind = Partitioning['kind'];

export interface LogicalEdge {
  /** Index of the producing node. */
  from: number;
  /** Side-output tag of the producer, or undefined for its main output. */
  tag: string | undefined;
  partitioning: Partitioning;
}

export type NodeKind =
  | 'source'
  | 'map'
  | 'filter'
  | 'flatMap'
  | 'reduce'
  | 'aggregate'
  | 'process'
  | 'sink';

export interface LogicalNode {
  index: number;
  /** Stable id: "<label>#<index>", e.g. "map#2" or "csv#0". */
  id: string;
  kind: NodeKind;
  /** What the user called it (`.name()`), else a label derived from the kind or connector. */
  label: string;
  /** Explicit parallelism, or undefined for the planner's default (the number of workers). */
  parallelism: number | undefined;
  /** Upper bound from the connector (1 for stdin). */
  maxParallelism: number | undefined;
  inputs: LogicalEdge[];
  /** Side-output tags this node may emit to. */
  sideOutputs: string[];
  /** Functions whose source text goes into the fingerprint. */
  functions: Array<(...args: never[]) => unknown>;
  source?: Source<unknown>;
  sink?: Sink<unknown>;
  operator?: OperatorFactory;
}

export interface LogicalGraph {
  nodes: LogicalNode[];
}
