import { describe, expect, it } from 'vitest';
import * as errors from '../../runtime/errors.ts';
import {
  CancelledError,
  ChannelClosedError,
  CodecError,
  ConfigError,
  ConnectorError,
  ERROR_CODES,
  fromSerialized,
  GraphMismatchError,
  OperatorFailedError,
  RecordTooLargeError,
  SetupError,
  SluiceError,
  serializeError,
  WorkerExitedError,
} from '../../runtime/errors.ts';

const table: Array<[SluiceError, string, string]> = [
  [new SluiceError('x'), 'SluiceError', 'ERR_SLUICE'],
  [new ChannelClosedError('x'), 'ChannelClosedError', 'ERR_CHANNEL_CLOSED'],
  [new ChannelClosedError('x', { aborted: true }), 'ChannelClosedError', 'ERR_CHANNEL_ABORTED'],
  [new RecordTooLargeError(10, 5, 'test'), 'RecordTooLargeError', 'ERR_RECORD_TOO_LARGE'],
  [new CodecError('x'), 'CodecError', 'ERR_CODEC'],
  [
    new OperatorFailedError('x', { operator: 'map#1', instance: 0 }),
    'OperatorFailedError',
    'ERR_OPERATOR_FAILED',
  ],
  [new WorkerExitedError('x', { exitCode: 3 }), 'WorkerExitedError', 'ERR_WORKER_EXITED'],
  [new CancelledError('x'), 'CancelledError', 'ERR_CANCELLED'],
  [new ConfigError('x'), 'ConfigError', 'ERR_INVALID_CONFIG'],
  [new ConnectorError('x'), 'ConnectorError', 'ERR_CONNECTOR'],
  [new GraphMismatchError('x'), 'GraphMismatchError', 'ERR_GRAPH_MISMATCH'],
  [new SetupError('x'), 'SetupError', 'ERR_SETUP'],
];

describe('errors', () => {
  it('gives every error code a class', () => {
    expect(new Set(table.map(([, , code]) => code))).toEqual(new Set(ERROR_CODES));
  });

  it.each(table)(
    '%s has its name and stable code, and survives a thread crossing',
    (error, name, code) => {
      expect(error).toBeInstanceOf(SluiceError);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      // structuredClone is what postMessage does to the serialized form.
      const rebuilt = fromSerialized(structuredClone(serializeError(error)));
      // The class comes back, not only its name: callers branch on instanceof.
      expect(Object.getPrototypeOf(rebuilt)).toBe(Object.getPrototypeOf(error));
      expect(rebuilt).toBeInstanceOf(error.constructor);
      expect(rebuilt).toBeInstanceOf(SluiceError);
      expect(rebuilt.code).toBe(code);
      expect(rebuilt.name).toBe(name);
      expect(rebuilt.message).toBe(error.message);
      expect(rebuilt.details).toEqual(error.details);
    },
  );

  it('walks every error class the module exports', () => {
    const classes = Object.values(errors).filter(
      (value) =>
        typeof value === 'function' &&
        (value === SluiceError || value.prototype instanceof SluiceError),
    );
    expect(new Set(table.map(([error]) => error.constructor))).toEqual(new Set(classes));
  });

  it('keeps the cause chain across a thread crossing', () => {
    const root = new TypeError('bad value');
    const error = new OperatorFailedError('map failed', {
      cause: root,
      operator: 'map#1',
      instance: 2,
      record: { a: 1 },
    });
    const rebuilt = fromSerialized(structuredClone(serializeError(error)));
    expect(rebuilt.details).toEqual({ operator: 'map#1', instance: 2, record: { a: 1 } });
    expect((rebuilt.cause as Error).message).toBe('bad value');
    expect((rebuilt.cause as Error).name).toBe('TypeError');
  });

  it('rebuilds a cause of its own class', () => {
    const error = new WorkerExitedError('worker 1 exited', {
      cause: new ChannelClosedError('peer gone', { aborted: true }),
    });
    const rebuilt = fromSerialized(structuredClone(serializeError(error)));
    expect(rebuilt).toBeInstanceOf(WorkerExitedError);
    expect(rebuilt.cause).toBeInstanceOf(ChannelClosedError);
    expect(rebuilt.cause).toMatchObject({ code: 'ERR_CHANNEL_ABORTED', message: 'peer gone' });
  });

  it('names the size and the limit of an oversize record', () => {
    expect(new RecordTooLargeError(2048, 1024, 'channel a->b').message).toMatch(
      /2048 bytes.*1024 bytes/,
    );
  });
});
