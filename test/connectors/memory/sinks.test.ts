import { describe, expect, it } from 'vitest';
import { collect, discard } from '../../../connectors/memory/index.ts';
import { context } from '../files/helpers.ts';

describe('memory sinks', () => {
  it('collect hands back every record written, in order, as plain data', async () => {
    const writer = await collect<{ id: number }>().createWriter(context(0, 1));
    for (let id = 0; id < 5; id++) expect(writer.write({ id })).toBeUndefined();
    await writer.flush(true);
    await writer.close();
    const result = writer.result?.();
    expect(structuredClone(result)).toEqual([0, 1, 2, 3, 4].map((id) => ({ id })));
    expect(writer.stats?.()).toEqual({ records: 5 });
  });

  it('discard counts and keeps nothing', async () => {
    const writer = await discard<number>().createWriter(context(1, 2));
    for (let i = 0; i < 1000; i++) writer.write(i);
    await writer.flush(true);
    expect(writer.result?.()).toEqual({ records: 1000 });
  });
});
