/**
 * Worker fixture: decodes records that another thread encoded into shared memory, with a codec
 * built here from the same plain-data spec, and posts the values back by structured clone
 * (which carries -0, NaN, bigint, Date, Map, Set, Uint8Array and undefined unchanged).
 */

import { parentPort } from 'node:worker_threads';
import { createCodec } from '../../../runtime/codec/create.ts';
import type { Codec, CodecSpec } from '../../../runtime/codec/types.ts';
import { serializeError } from '../../../runtime/errors.ts';

export interface DecodeRequest {
  /** Records of one stream id go to one codec, in order, across requests. */
  stream: number;
  spec: CodecSpec;
  buf: Uint8Array;
  spans: Array<[offset: number, length: number]>;
}

const codecs = new Map<number, Codec>();

parentPort!.on('message', (request: DecodeRequest) => {
  try {
    let codec = codecs.get(request.stream);
    if (codec === undefined) codecs.set(request.stream, (codec = createCodec(request.spec)));
    const values = request.spans.map(([offset, length]) =>
      codec.decode(request.buf, offset, length),
    );
    parentPort!.postMessage({ values });
  } catch (error) {
    parentPort!.postMessage({ error: serializeError(error) });
  }
});
