/**
 * The package's public surface, entry point by entry point: what a user can import from
 * `sluice`, `sluice/files`, `sluice/memory` and `sluice/cassandra`. A change to an entry point
 * changes this list, so it is seen in review; wire helpers (serializeError, fromSerialized) and
 * routing internals (murmur3Token, Ring, ReplicaRouter) must not appear.
 */

import { describe, expect, it } from 'vitest';
import * as cassandra from '../connectors/cassandra/index.ts';
import * as files from '../connectors/files/index.ts';
import * as memory from '../connectors/memory/index.ts';
import * as sluice from '../index.ts';

describe('the entry points export exactly their public API', () => {
  it.each([
    [
      'sluice',
      sluice,
      [
        'CancelledError',
        'ChannelClosedError',
        'CodecError',
        'ConfigError',
        'ConnectorError',
        'DataStream',
        'GraphMismatchError',
        'JobHandle',
        'KeyedStream',
        'OperatorFailedError',
        'OutputTag',
        'PipelineBuilder',
        'RecordTooLargeError',
        'SetupError',
        'SluiceError',
        'WorkerExitedError',
        'describePlan',
        'pipeline',
        'run',
      ],
    ],
    ['sluice/files', files, ['csv', 'csvFile', 'jsonl', 'jsonlFile', 'stdin', 'stdout']],
    ['sluice/memory', memory, ['collect', 'discard', 'fromArray', 'generate']],
    ['sluice/cassandra', cassandra, ['CassandraSink', 'cassandra']],
  ])('%s', (_name, module, expected) => {
    expect(Object.keys(module).sort()).toEqual([...expected].sort());
  });
});
