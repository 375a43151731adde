/**
 * The operators of one actor, wired: a tree of nodes rooted at the chain's head, where a
 * chained edge is a direct call and an edge to another actor is a router over output ports
 * (one per consumer instance). Also opens the actor's channels, its source reader and its sink
 * writers.
 *
 * A `Cursor` records the node and record being processed, so that an error thrown anywhere
 * in the tree names the innermost operator and the record it was given.
 */

import type { ChannelReader, ChannelWriter } from '../channel/types.ts';
import { SluiceError } from '../errors.ts';
import type { InstanceContext, SinkWriter, SourceReader } from '../graph/connector.ts';
import type { Collector, OperatorInstance, TimerService } from '../graph/operator.ts';
import type { ActorPlan } from '../graph/planner.ts';
import type { LogicalGraph, LogicalNode, Partitioning, ReplicaRoute } from '../graph/types.ts';
import { makeRouter, OutputPort, type Route } from './output.ts';

export interface ActorEnvironment {
  graph: LogicalGraph;
  plan: ActorPlan;
  worker: number;
  /** What each routing sink's `partitioner.prepare()` returned, by node index. */
  prepared: Record<number, unknown>;
  openReader(channel: number): ChannelReader;
  openWriter(channel: number): ChannelWriter;
}

/** One node of the chain, as the actor runs it. */
export interface ChainNode {
  node: LogicalNode;
  operator: OperatorInstance | undefined;
  sinkWriter: SinkWriter<unknown> | undefined;
  sinkPort: OutputPort | undefined;
  collector: Collector;
  /** Take one record into this node. */
  accept: (record: unknown) => void;
}

export interface Cursor {
  node: ChainNode | undefined;
  record: unknown;
}

export function noop(): void {}

function fanOut(routes: Route[]): Route {
  if (routes.length === 0) return noop;
  if (routes.length === 1) return routes[0]!;
  return (record) => {
    for (let i = 0; i < routes.length; i++) routes[i]!(record);
  };
}

export class Chain {
  readonly nodes = new Map<number, ChainNode>();
  readonly readers: ChannelReader[] = [];
  readonly writers: { channel: number; writer: ChannelWriter }[] = [];
  /** Every output port, with the node whose records it carries (for error messages). */
  readonly ports: { port: OutputPort; owner: ChainNode }[] = [];
  sourceReader: SourceReader<unknown> | undefined;

  constructor(
    private readonly env: ActorEnvironment,
    private readonly cursor: Cursor,
    private readonly timers: TimerService,
    private readonly signal: AbortSignal,
  ) {}

  get head(): ChainNode {
    return this.nodes.get(this.env.plan.nodes[0]!)!;
  }

  /** Open channels, operators, the source reader and sink writers. */
  async open(): Promise<void> {
    const { plan, graph } = this.env;
    for (const channel of plan.inputs) this.readers.push(this.env.openReader(channel));
    // Build nodes last to first, so that each node's chained targets exist when it is wired.
    for (const index of [...plan.nodes].reverse()) {
      const node = graph.nodes[index]!;
      const chainNode: ChainNode = {
        node,
        operator: undefined,
        sinkWriter: undefined,
        sinkPort: undefined,
        collector: { emit: noop, emitTo: noop },
        accept: noop,
      };
      this.cursor.node = chainNode;
      chainNode.collector = this.wireOutputs(chainNode);
      const ctx: InstanceContext = {
        operatorId: node.id,
        instance: plan.instance,
        parallelism: plan.parallelism,
        signal: this.signal,
        keepsMalformed: node.kind === 'source' && node.sideOutputs.length > 0,
      };
      if (node.kind === 'sink') {
        const writer = await node.sink!.createWriter(ctx);
        chainNode.sinkWriter = writer;
        chainNode.sinkPort = this.addPort(new OutputPort(writer), chainNode);
      } else if (node.kind === 'source') {
        this.sourceReader = await node.source!.open(ctx);
      } else {
        chainNode.operator = node.operator!({
          operatorId: node.id,
          nodeIndex: node.index,
          instance: plan.instance,
          parallelism: plan.parallelism,
          timers: this.timers,
        });
      }
      chainNode.accept = this.makeAccept(chainNode);
      this.nodes.set(index, chainNode);
    }
    this.cursor.node = undefined;
  }

  private wireOutputs(chainNode: ChainNode): Collector {
    const { plan, graph } = this.env;
    const index = chainNode.node.index;
    const mains: Route[] = [];
    const sides = new Map<string, Route[]>();
    const addRoute = (tag: string | undefined, route: Route): void => {
      if (tag === undefined) {
        mains.push(route);
        return;
      }
      let list = sides.get(tag);
      if (list === undefined) sides.set(tag, (list = []));
      list.push(route);
    };
    for (const link of plan.links) {
      if (link.node === index) addRoute(link.tag, this.nodes.get(link.to)!.accept);
    }
    for (const output of plan.outputs) {
      if (output.node !== index) continue;
      const ports = output.channels.map((channel) => {
        const writer = this.env.openWriter(channel);
        this.writers.push({ channel, writer });
        return this.addPort(new OutputPort(writer), chainNode);
      });
      const partitioning = graph.nodes[output.to]!.inputs[output.inputIndex]!.partitioning;
      addRoute(
        output.tag,
        makeRouter(
          output.partitioning,
          ports,
          plan.instance,
          `${chainNode.node.id} → ${graph.nodes[output.to]!.id}`,
          partitioning.kind === 'hash' ? partitioning.key : undefined,
          partitioning.kind === 'replica' ? this.routeOf(partitioning, output.to) : undefined,
        ),
      );
    }
    const sideRoutes = new Map([...sides].map(([tag, routes]) => [tag, fanOut(routes)]));
    return {
      emit: fanOut(mains),
      emitTo: (tag, record) => sideRoutes.get(tag)?.(record),
    };
  }

  private routeOf(
    partitioning: Extract<Partitioning, { kind: 'replica' }>,
    to: number,
  ): ReplicaRoute {
    if ('route' in partitioning) return partitioning.route;
    if (!(to in this.env.prepared)) {
      throw new SluiceError(`no prepared routing for ${this.env.graph.nodes[to]!.id}`);
    }
    return partitioning.partitioner.open(this.env.prepared[to]);
  }

  private addPort(port: OutputPort, owner: ChainNode): OutputPort {
    this.ports.push({ port, owner });
    return port;
  }

  private makeAccept(chainNode: ChainNode): (record: unknown) => void {
    const { operator, sinkPort, collector } = chainNode;
    const cursor = this.cursor;
    const step: (record: unknown) => void =
      sinkPort !== undefined
        ? (record) => sinkPort.emit(record)
        : operator !== undefined
          ? (record) => operator.process(record, collector)
          : collector.emit;
    return (record) => {
      const node = cursor.node;
      const previous = cursor.record;
      cursor.node = chainNode;
      cursor.record = record;
      step(record);
      // Not restored when `step` throws: the innermost node and record name the failure.
      cursor.node = node;
      cursor.record = previous;
    };
  }
}
