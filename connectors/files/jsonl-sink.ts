/**
 * `jsonlFile(path)`: writes each record as one line of JSON, one file per instance (see
 * `instancePath`). JSON has no bigint and no bytes: a bigint is written as a decimal string,
 * a Uint8Array as base64, a Date as ISO 8601 (its `toJSON`).
 */

import type { InstanceContext, Sink, SinkWriter } from '../../runtime/graph/connector.ts';
import { instancePath } from '../../runtime/graph/connector.ts';
import { jsonReplacer } from './column-types.ts';
import { checkKeys, checkObject, checkPath } from './options.ts';
import { fileByteSink, lineWriter, TextWriter } from './text-writer.ts';

export function jsonLine(record: unknown): string {
  return `${JSON.stringify(record, jsonReplacer)}\n`;
}

export function jsonlFile<T = unknown>(path: string, options?: Record<string, never>): Sink<T> {
  checkPath('jsonlFile', path);
  const name = `jsonlFile(${path})`;
  checkKeys(name, checkObject(name, options), []);
  return {
    name,
    async createWriter(ctx: InstanceContext): Promise<SinkWriter<T>> {
      const file = instancePath(path, ctx.instance, ctx.parallelism);
      return lineWriter(new TextWriter(await fileByteSink(file, name), file), jsonLine, '', {
        file,
      });
    },
  };
}
