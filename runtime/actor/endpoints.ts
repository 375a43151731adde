/**
 * Opens the two ends of a channel on the current thread, each with its own codec built from
 * the handle's plain-data spec.
 */

import type { ChannelHandle, ChannelReader, ChannelWriter } from '../channel/index.ts';
import { SharedChannelReader, SharedChannelWriter } from '../channel/index.ts';
import { createCodec } from '../codec/create.ts';

export function openWriter(handle: ChannelHandle): ChannelWriter {
  return new SharedChannelWriter(handle, createCodec(handle.codec));
}

export function openReader(handle: ChannelHandle): ChannelReader {
  return new SharedChannelReader(handle, createCodec(handle.codec));
}
