/**
 * Abort travels out of band, in the header, so it works when the ring is full and nobody has
 * credit. Any side may abort: the producer, the consumer, or a third party that holds only the
 * handle (the runtime's main thread, when a worker dies). The first abort wins; it writes the
 * error into the header's message area, then wakes both sides, which surface it as a
 * ChannelClosedError (aborted) carrying the original message.
 */

import {
  ChannelClosedError,
  fromSerialized,
  type SerializedError,
  serializeError,
} from '../errors.ts';
import { checkHandle } from './create.ts';
import {
  ABORT_CLAIMED,
  ABORT_DONE,
  ABORT_MESSAGE_CAPACITY,
  ABORT_MESSAGE_LENGTH,
  ABORT_MESSAGE_OFFSET,
  ABORT_OPEN,
  ABORT_STATE,
  ABORTED_BY,
  ABORTED_BY_CONSUMER,
  ABORTED_BY_PRODUCER,
  ABORTED_BY_RUNTIME,
  CONSUMER_WAKE,
  PRODUCER_WAKE,
} from './layout.ts';
import { wake } from './park.ts';
import type { ChannelHandle } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const sideNames: Record<number, string> = {
  [ABORTED_BY_PRODUCER]: 'producer',
  [ABORTED_BY_CONSUMER]: 'consumer',
  [ABORTED_BY_RUNTIME]: 'runtime',
};

/** Drops what matters least until the JSON fits: stacks, then causes, then message tail. */
function encodeToFit(error: SerializedError): Uint8Array {
  const strip = (e: SerializedError, keepCause: boolean): SerializedError => ({
    code: e.code,
    name: e.name,
    message: e.message,
    details: e.details,
    cause: keepCause && e.cause ? strip(e.cause, true) : undefined,
  });
  const attempts = [error, strip(error, true), strip(error, false)];
  for (const attempt of attempts) {
    let bytes: Uint8Array;
    try {
      bytes = encoder.encode(JSON.stringify(attempt));
    } catch {
      continue; // details that do not serialise (cycles, BigInt): try without them
    }
    if (bytes.length <= ABORT_MESSAGE_CAPACITY) return bytes;
  }
  const bare = { code: error.code, name: error.name, message: '' };
  let message = error.message;
  for (;;) {
    const bytes = encoder.encode(JSON.stringify({ ...bare, message }));
    if (bytes.length <= ABORT_MESSAGE_CAPACITY) return bytes;
    message = `${message.slice(0, Math.floor(message.length * 0.9))}…`;
  }
}

/** Marks the channel aborted with `error`; returns false when it was already aborted. */
export function abortBuffer(i32: Int32Array, error: unknown, by: number): boolean {
  // The CAS makes exactly one abort the author of the message; later ones are no-ops.
  if (Atomics.compareExchange(i32, ABORT_STATE, ABORT_OPEN, ABORT_CLAIMED) !== ABORT_OPEN) {
    return false;
  }
  const bytes = encodeToFit(serializeError(error));
  new Uint8Array(i32.buffer, ABORT_MESSAGE_OFFSET, ABORT_MESSAGE_CAPACITY).set(bytes);
  i32[ABORTED_BY] = by;
  i32[ABORT_MESSAGE_LENGTH] = bytes.length;
  // Release: the message and its length are visible to whoever observes ABORT_DONE (I5).
  Atomics.store(i32, ABORT_STATE, ABORT_DONE);
  wake(i32, CONSUMER_WAKE);
  wake(i32, PRODUCER_WAKE);
  return true;
}

/** True once an abort is complete (message readable). */
export function isAborted(i32: Int32Array): boolean {
  // Acquire: pairs with the store of ABORT_DONE, so the message area is complete.
  return Atomics.load(i32, ABORT_STATE) === ABORT_DONE;
}

/** The error a side surfaces once `isAborted` is true. */
export function abortedError(i32: Int32Array, channelName: string): ChannelClosedError {
  const by = sideNames[i32[ABORTED_BY]!] ?? 'unknown side';
  const length = i32[ABORT_MESSAGE_LENGTH]!;
  // slice() copies out of shared memory: TextDecoder refuses shared views.
  const bytes = new Uint8Array(i32.buffer, ABORT_MESSAGE_OFFSET, length).slice();
  let original: SerializedError;
  try {
    original = JSON.parse(decoder.decode(bytes)) as SerializedError;
  } catch {
    original = { code: 'ERR_SLUICE', name: 'Error', message: '(abort message unreadable)' };
  }
  return new ChannelClosedError(
    `channel ${channelName} was aborted by the ${by}: ${original.message}`,
    { aborted: true, cause: fromSerialized(original) },
  );
}

/**
 * Abort a channel from its handle alone, e.g. from the main thread when the worker of one end
 * has died: the surviving end wakes and throws ChannelClosedError (aborted) with `error`'s
 * message. Returns false when the channel was already aborted (the first error stands).
 */
export function abortChannel(handle: ChannelHandle, error: unknown): boolean {
  return abortBuffer(checkHandle(handle), error, ABORTED_BY_RUNTIME);
}
