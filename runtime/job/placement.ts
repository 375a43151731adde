/**
 * Places actors on workers. The planner assigns each actor a worker slot (0 … workers − 1);
 * piscina decides where a task runs, so a load balancer maps each slot to one piscina worker,
 * the first time the slot is used, and keeps it there. Tasks carry their slot in piscina's
 * queue options, which the balancer sees and the worker does not receive.
 */

import { Piscina } from 'piscina';

type Options = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type Balancer = NonNullable<Options['loadBalancer']>;

export interface Placement {
  worker: number;
}

/** Tag a task with the worker slot it must run on. */
export function placeOn<T extends object>(task: T, worker: number): T {
  (task as Record<symbol, Placement>)[Piscina.queueOptionsSymbol] = { worker };
  return task;
}

export function slotBalancer(): Balancer {
  const threadBySlot = new Map<number, number>();
  return (task, workers) => {
    const placement = (task as unknown as Record<symbol, Placement | null>)[
      Piscina.queueOptionsSymbol
    ];
    const slot = placement?.worker ?? 0;
    const usable = workers.filter((w) => !w.terminating && !w.destroyed);
    const assigned = threadBySlot.get(slot);
    // A slot whose worker died gets no replacement: the job is failing already.
    if (assigned !== undefined) return usable.find((w) => w.id === assigned) ?? null;
    const taken = new Set(threadBySlot.values());
    const free = usable.find((w) => !taken.has(w.id));
    if (free === undefined) return null;
    threadBySlot.set(slot, free.id);
    return free;
  };
}
