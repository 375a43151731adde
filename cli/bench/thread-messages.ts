/** The wire types between `runOnThreads` (parent) and thread-host.ts (worker thread). */
import type { SerializedError } from '../../runtime/errors.ts';

export interface HostData {
  /** The module whose default export is a `PrepareWorker`. */
  moduleUrl: string;
  spec: unknown;
}

export type ToHost = { type: 'start'; startAtEpochMs: number } | { type: 'abort' };

export type ToParent =
  | { type: 'ready' }
  | { type: 'progress'; ops: number; errors: number }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: SerializedError };
