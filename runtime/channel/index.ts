export { abortChannel } from './abort.ts';
export { bytesCodec, bytesViewCodec } from './bytes-codec.ts';
export {
  createChannel,
  DEFAULT_MAX_RECORD_SIZE,
  DEFAULT_SEGMENT_COUNT,
  DEFAULT_SEGMENT_SIZE,
} from './create.ts';
export { SharedChannelReader } from './reader.ts';
export type * from './types.ts';
export { DEFAULT_LINGER_MS, SharedChannelWriter, type WriterOptions } from './writer.ts';
