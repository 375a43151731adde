/**
 * The fingerprint of a logical graph. Every worker rebuilds the graph from the job module and
 * must get the planner's fingerprint, or operator i would not be the same function on every
 * thread. A module that builds a different graph on each import (it branches on
 * `Math.random()`, the clock or the environment) fails here, with the first difference named.
 *
 * The fingerprint covers the structure (kinds, ids, parallelism, edges, partitioning) and
 * the source text of user functions. It cannot see values captured by closures.
 */

import { createHash } from 'node:crypto';
import { GraphMismatchError } from '../errors.ts';
import type { LogicalGraph } from './types.ts';

/** Plain data: one entry per node, sent to workers along with the plan. */
export interface NodeDescription {
  id: string;
  kind: string;
  parallelism: number | null;
  maxParallelism: number | null;
  inputs: string[];
  sideOutputs: string[];
  /** Short hashes of the source text of the node's functions. */
  functions: string[];
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function describeGraph(graph: LogicalGraph): NodeDescription[] {
  return graph.nodes.map((node) => ({
    id: node.id,
    kind: node.kind,
    parallelism: node.parallelism ?? null,
    maxParallelism: node.maxParallelism ?? null,
    inputs: node.inputs.map(
      (e) =>
        `${graph.nodes[e.from]!.id}${e.tag === undefined ? '' : `[${e.tag}]`}:${e.partitioning.kind}`,
    ),
    sideOutputs: [...node.sideOutputs],
    functions: node.functions.map((fn) => shortHash(String(fn))),
  }));
}

export function fingerprint(description: NodeDescription[]): string {
  return shortHash(JSON.stringify(description));
}

/** The first difference between two descriptions, in words, or undefined if they match. */
export function firstDifference(
  expected: NodeDescription[],
  actual: NodeDescription[],
): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === undefined) return `it has an extra operator ${a!.id}`;
    if (a === undefined) return `it lacks operator ${e.id}`;
    for (const field of Object.keys(e) as Array<keyof NodeDescription>) {
      const ev = JSON.stringify(e[field]);
      const av = JSON.stringify(a[field]);
      if (ev !== av) {
        const what = field === 'functions' ? 'function source' : field;
        return `operator #${i} (${e.id}) has ${what} ${av} instead of ${ev}`;
      }
    }
  }
  return undefined;
}

export function graphMismatchError(
  jobUrl: string,
  where: string,
  difference: string,
): GraphMismatchError {
  return new GraphMismatchError(
    `job module ${jobUrl} built a different graph on ${where} than on the main thread: ${difference}. ` +
      'A job module must build the same graph on every import: no Math.random(), clock or environment-dependent branches',
    { details: { where, difference } },
  );
}

export function checkFingerprint(
  jobUrl: string,
  where: string,
  expected: NodeDescription[],
  graph: LogicalGraph,
): void {
  const actual = describeGraph(graph);
  if (fingerprint(actual) === fingerprint(expected)) return;
  const difference = firstDifference(expected, actual) ?? 'its fingerprint differs';
  throw graphMismatchError(jobUrl, where, difference);
}
