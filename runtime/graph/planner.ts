/**
 * The planner: logical graph → physical plan.
 *
 * - Each node gets a parallelism: its own, else the number of workers, capped by the
 *   connector's `maxParallelism`.
 * - `auto` edges become `forward` between equal parallelisms, else `rebalance` (as Flink).
 * - A forward edge into a node with a single input is chained: both nodes run in one actor
 *   and records pass by a function call, with no channel. Chains form trees (a node may chain
 *   several consumers), rooted at the chain's head.
 * - One actor per chain instance, placed on worker `instance mod workers`, so instance i of
 *   every stage shares a worker and the hash edges between stages cross threads evenly.
 * - One channel per (producer instance, consumer instance) pair an edge connects.
 *
 * The plan is plain data: it goes to every worker, which finds the functions in its own graph.
 */

import { ConfigError } from '../errors.ts';
import type { LogicalGraph, PartitioningKind } from './types.ts';

export type ResolvedPartitioning = Exclude<PartitioningKind, 'auto'>;

/** One external edge leaving a node of an actor's chain. */
export interface OutputPlan {
  /** Producing node (in this actor's chain). */
  node: number;
  tag: string | undefined;
  partitioning: ResolvedPartitioning;
  /** Consuming node and which of its inputs this is (to find hash keys and routes). */
  to: number;
  inputIndex: number;
  /** Channel ids, indexed by consumer instance. */
  channels: number[];
}

/** An edge inside a chain: `to` consumes `node`'s output by a direct call. */
export interface ChainLink {
  node: number;
  tag: string | undefined;
  to: number;
}

export interface ActorPlan {
  /** "<head operator id>/<instance>". */
  id: string;
  /** Nodes of the chain, head first, in topological order. */
  nodes: number[];
  links: ChainLink[];
  instance: number;
  parallelism: number;
  worker: number;
  /** Channel ids feeding the head (empty for a source). */
  inputs: number[];
  outputs: OutputPlan[];
}

export interface ChannelPlan {
  id: number;
  /** "map#1/0 -> sink#2/1", for errors and metrics. */
  name: string;
  from: string;
  to: string;
}

export interface PhysicalPlan {
  workers: number;
  /** Per node index. */
  parallelism: number[];
  actors: ActorPlan[];
  channels: ChannelPlan[];
}

function resolveParallelism(graph: LogicalGraph, workers: number): number[] {
  return graph.nodes.map((node) => {
    const max = node.maxParallelism ?? Number.POSITIVE_INFINITY;
    if (node.parallelism !== undefined && node.parallelism > max) {
      throw new ConfigError(
        `${node.id} asks for parallelism ${node.parallelism} but its connector allows at most ${max}`,
      );
    }
    return node.parallelism ?? Math.min(workers, max);
  });
}

export function checkWorkers(workers: number): number {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ConfigError(`workers must be an integer ≥ 1, got ${workers}`);
  }
  return workers;
}

export function plan(graph: LogicalGraph, workers: number): PhysicalPlan {
  checkWorkers(workers);
  const { nodes } = graph;
  const parallelism = resolveParallelism(graph, workers);

  // Resolve partitionings and find each node's chain head.
  const head = nodes.map((n) => n.index);
  const resolved: ResolvedPartitioning[][] = nodes.map((node) =>
    node.inputs.map((edge) => {
      const kind = edge.partitioning.kind;
      const from = parallelism[edge.from]!;
      const to = parallelism[node.index]!;
      if (kind === 'auto') return from === to ? 'forward' : 'rebalance';
      if (kind === 'forward' && from !== to) {
        throw new ConfigError(
          `forward edge ${nodes[edge.from]!.id} → ${node.id} needs equal parallelism, got ${from} and ${to}`,
        );
      }
      return kind;
    }),
  );
  for (const node of nodes) {
    const only = node.inputs[0];
    if (node.inputs.length === 1 && only !== undefined && resolved[node.index]![0] === 'forward') {
      head[node.index] = head[only.from]!;
    }
  }

  const chains = new Map<number, number[]>();
  for (const node of nodes) {
    const h = head[node.index]!;
    let chain = chains.get(h);
    if (chain === undefined) chains.set(h, (chain = []));
    chain.push(node.index);
  }

  const actorIndex = new Map<string, ActorPlan>();
  const actors: ActorPlan[] = [];
  for (const [h, chain] of chains) {
    const p = parallelism[h]!;
    const links: ChainLink[] = [];
    for (const n of chain) {
      if (n === h) continue;
      const edge = nodes[n]!.inputs[0]!;
      links.push({ node: edge.from, tag: edge.tag, to: n });
    }
    for (let i = 0; i < p; i++) {
      const actor: ActorPlan = {
        id: `${nodes[h]!.id}/${i}`,
        nodes: chain,
        links,
        instance: i,
        parallelism: p,
        worker: i % workers,
        inputs: [],
        outputs: [],
      };
      actors.push(actor);
      actorIndex.set(`${h}/${i}`, actor);
    }
  }

  const channels: ChannelPlan[] = [];
  for (const node of nodes) {
    node.inputs.forEach((edge, inputIndex) => {
      const partitioning = resolved[node.index]![inputIndex]!;
      const toHead = head[node.index]!;
      if (toHead !== node.index) return; // chained: no channel
      const fromHead = head[edge.from]!;
      const pFrom = parallelism[edge.from]!;
      const pTo = parallelism[node.index]!;
      for (let i = 0; i < pFrom; i++) {
        const producer = actorIndex.get(`${fromHead}/${i}`)!;
        const output: OutputPlan = {
          node: edge.from,
          tag: edge.tag,
          partitioning,
          to: node.index,
          inputIndex,
          channels: [],
        };
        // Forward connects i → i only; every other partitioning connects i → every j.
        const targets = partitioning === 'forward' ? [i] : [...Array(pTo).keys()];
        for (const j of targets) {
          const consumer = actorIndex.get(`${toHead}/${j}`)!;
          const id = channels.length;
          channels.push({
            id,
            name: `${producer.id} -> ${consumer.id}`,
            from: producer.id,
            to: consumer.id,
          });
          output.channels[j] = id;
          consumer.inputs.push(id);
        }
        producer.outputs.push(output);
      }
    });
  }

  return { workers, parallelism, actors, channels };
}

/** A plan in words, one line per actor group, for `sluice run --plan` and errors. */
export function describePlan(graph: LogicalGraph, physical: PhysicalPlan): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const actor of physical.actors) {
    const key = actor.nodes.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const names = actor.nodes.map((n) => graph.nodes[n]!.id).join(' → ');
    const outs = actor.outputs
      .map((o) => `${o.partitioning} → ${graph.nodes[o.to]!.id}`)
      .filter((v, i, all) => all.indexOf(v) === i);
    lines.push(`[${names}] ×${actor.parallelism}${outs.length ? `  ${outs.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}
