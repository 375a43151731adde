/**
 * Parking without blocking the event loop: `Atomics.waitAsync` on a wake word, guarded by a
 * parked flag and a re-check (layout.ts, invariant I6), so a side that changes the condition
 * pays for a notify only when somebody actually waits.
 */

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

// lib ES2023 does not declare waitAsync; Node 20 has it.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(i32: Int32Array, index: number, value: number): WaitAsyncResult;
  }
).waitAsync;

let parkedCount = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function noop(): void {}

/** Node 20 lets a thread exit under a pending waitAsync: a ref'd timer keeps it alive. */
function hold(): void {
  if (parkedCount++ === 0) keepAlive = setInterval(noop, 2 ** 30);
}

function release(): void {
  if (--parkedCount === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/** How many parks are pending on this thread (0 means the keep-alive timer is released). */
export function parkedOnThisThread(): number {
  return parkedCount;
}

/**
 * Resolves once `isReady()` is true. `isReady` must read the shared condition with Atomics
 * (it is the re-check of I6). Spurious wake-ups are absorbed by the loop.
 */
export async function park(
  i32: Int32Array,
  parkedIndex: number,
  wakeIndex: number,
  isReady: () => boolean,
): Promise<void> {
  hold();
  try {
    for (;;) {
      // Read the wake word before raising the flag: a wake that lands after this read changes
      // the word, so the wait below returns at once instead of missing it.
      const seq = Atomics.load(i32, wakeIndex);
      // Raise the flag before the re-check: the other side stores its change, then loads this
      // flag, so either it sees the flag (and wakes us) or our re-check sees its change.
      Atomics.store(i32, parkedIndex, 1);
      if (isReady()) {
        // Lower the flag so the other side stops paying for notifies nobody waits for.
        Atomics.store(i32, parkedIndex, 0);
        return;
      }
      const result = waitAsync(i32, wakeIndex, seq);
      if (result.async) await result.value;
      // Whoever woke us may already have lowered it; a redundant store only saves a notify.
      Atomics.store(i32, parkedIndex, 0);
      if (isReady()) return;
    }
  } finally {
    release();
  }
}

/**
 * Wake the other side if it is parked. Call it right after the Atomics.store that changed
 * the condition it waits for.
 */
export function unpark(i32: Int32Array, parkedIndex: number, wakeIndex: number): void {
  // The load comes after the caller's store (seq-cst), which is the other half of I6; the
  // exchange makes one notify per park instead of one per change while it sleeps.
  if (Atomics.load(i32, parkedIndex) !== 0 && Atomics.exchange(i32, parkedIndex, 0) !== 0) {
    // Bump before notify: a waiter that has read the old value but not yet waited sees the
    // change and does not sleep.
    Atomics.add(i32, wakeIndex, 1);
    Atomics.notify(i32, wakeIndex);
  }
}

/** Wake a parked side unconditionally (abort: rare, and must never be missed). */
export function wake(i32: Int32Array, wakeIndex: number): void {
  // Bumping the word also defeats a wait that is about to start with the old value.
  Atomics.add(i32, wakeIndex, 1);
  Atomics.notify(i32, wakeIndex);
}
