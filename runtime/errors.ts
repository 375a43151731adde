/**
 * Every error Sluice raises is a `SluiceError` with a stable `code`.
 *
 * Errors lose their class when they cross a thread boundary, so they travel as
 * `SerializedError` (plain data) and are rebuilt on the other side by `fromSerialized`.
 */

/** Every code an error of Sluice's can carry; each has its class below. */
export const ERROR_CODES = [
  'ERR_SLUICE',
  'ERR_CHANNEL_CLOSED',
  'ERR_CHANNEL_ABORTED',
  'ERR_RECORD_TOO_LARGE',
  'ERR_CODEC',
  'ERR_OPERATOR_FAILED',
  'ERR_WORKER_EXITED',
  'ERR_CANCELLED',
  'ERR_GRAPH_MISMATCH',
  'ERR_INVALID_CONFIG',
  'ERR_CONNECTOR',
  'ERR_SETUP',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SerializedError {
  code: ErrorCode;
  name: string;
  message: string;
  stack?: string | undefined;
  details?: Record<string, unknown> | undefined;
  cause?: SerializedError | undefined;
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    message: string,
    options: { code?: ErrorCode; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ERR_SLUICE';
    this.details = options.details;
  }
}

/** The channel was closed or aborted by the other side (or by the runtime on its behalf). */
export class ChannelClosedError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; aborted?: boolean } = {}) {
    super(message, {
      code: options.aborted ? 'ERR_CHANNEL_ABORTED' : 'ERR_CHANNEL_CLOSED',
      cause: options.cause,
    });
  }
}

export class RecordTooLargeError extends SluiceError {
  constructor(size: number, limit: number, where: string) {
    super(`record of ${size} bytes exceeds the limit of ${limit} bytes (${where})`, {
      code: 'ERR_RECORD_TOO_LARGE',
      details: { size, limit },
    });
  }
}

export class CodecError extends SluiceError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { ...options, code: 'ERR_CODEC' });
  }
}

/** User code (or a connector) threw inside an operator instance. */
export class OperatorFailedError extends SluiceError {
  constructor(
    message: string,
    options: { cause?: unknown; operator: string; instance: number; record?: unknown },
  ) {
    super(message, {
      code: 'ERR_OPERATOR_FAILED',
      cause: options.cause,
      details: { operator: options.operator, instance: options.instance, record: options.record },
    });
  }
}

export class WorkerExitedError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, {
      code: 'ERR_WORKER_EXITED',
      cause: options.cause,
      details: { exitCode: options.exitCode },
    });
  }
}

export class ConfigError extends SluiceError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { ...options, code: 'ERR_INVALID_CONFIG' });
  }
}

export class ConnectorError extends SluiceError {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { ...options, code: 'ERR_CONNECTOR' });
  }
}

/** A worker built a different graph from the job module than the main thread did. */
export class GraphMismatchError extends SluiceError {
  constructor(message: string, options: { details?: Record<string, unknown> } = {}) {
    super(message, { ...options, code: 'ERR_GRAPH_MISMATCH' });
  }
}

/** This machine lacks what a command needs (Java, Maven, a free address), with what to install. */
export class SetupError extends SluiceError {
  constructor(message: string, options: { details?: Record<string, unknown> } = {}) {
    super(message, { ...options, code: 'ERR_SETUP' });
  }
}

/** The job was cancelled by its caller (`cancel()`, Ctrl-C). */
export class CancelledError extends SluiceError {
  constructor(message: string) {
    super(message, { code: 'ERR_CANCELLED' });
  }
}

// Every class, so that a rebuilt error passes the same `instanceof` checks as the original.
const byName: Record<string, { prototype: SluiceError }> = {
  SluiceError,
  ChannelClosedError,
  RecordTooLargeError,
  CodecError,
  OperatorFailedError,
  WorkerExitedError,
  CancelledError,
  ConfigError,
  ConnectorError,
  GraphMismatchError,
  SetupError,
};

export function serializeError(error: unknown): SerializedError {
  if (error instanceof SluiceError) {
    return {
      code: error.code,
      name: error.name,
      message: error.message,
      stack: error.stack,
      details: error.details,
      cause: error.cause === undefined ? undefined : serializeError(error.cause),
    };
  }
  if (error instanceof Error) {
    return {
      code: 'ERR_SLUICE',
      name: error.name,
      message: error.message,
      stack: error.stack,
      cause: error.cause === undefined ? undefined : serializeError(error.cause),
    };
  }
  return { code: 'ERR_SLUICE', name: 'Error', message: String(error) };
}

/** Rebuild an error that crossed a thread, with its class (when Sluice's own), code, details and cause. */
export function fromSerialized(data: SerializedError): SluiceError {
  const error = new SluiceError(data.message);
  // The subclasses' constructors take different arguments; the prototype is what instanceof reads.
  const Ctor = byName[data.name];
  if (Ctor) Object.setPrototypeOf(error, Ctor.prototype);
  Object.assign(error, {
    code: data.code,
    name: data.name,
    details: data.details,
    cause: data.cause === undefined ? undefined : fromSerialized(data.cause),
  });
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
