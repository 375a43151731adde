export { type FromArrayOptions, fromArray } from './array.ts';
export { type GenerateOptions, generate } from './generate.ts';
export { collect, discard } from './sinks.ts';
