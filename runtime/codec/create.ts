/**
 * Builds the codec a `CodecSpec` describes. Each channel end calls this on its own thread with
 * the same spec, so the two codecs agree on the format while sharing no objects.
 */

import { ConfigError } from '../errors.ts';
import { describeValue } from './columns.ts';
import { createGeneralCodec } from './general.ts';
import { createRowCodec } from './row.ts';
import type { Codec, CodecSpec } from './types.ts';

export function createCodec<T = unknown>(spec: CodecSpec): Codec<T> {
  switch (spec?.kind) {
    case 'row':
      return createRowCodec(spec.columns) as unknown as Codec<T>;
    case 'general':
      return createGeneralCodec() as Codec<T>;
    default:
      throw new ConfigError(
        `codec spec must have kind "row" or "general", got ${describeValue(spec)}`,
      );
  }
}
