/** The README's embedded-API example runs as documented and computes what it claims. */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Params } from '../../examples/top-sites.ts';
import { run } from '../../index.ts';

let dir: string | undefined;
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('examples/top-sites.ts', () => {
  it('averages temperature per site on every worker and sets unreadable rows aside', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-example-'));
    const file = join(dir, 'readings.csv');
    const sites = ['Zürich', 'Kraków', 'Ōsaka'];
    const lines = ['sensor_id,site,temperature'];
    const sums = new Map<string, { sum: number; count: number }>();
    for (let i = 0; i < 3000; i++) {
      const site = sites[i % 3]!;
      const temperature = (i % 17) + 0.25;
      lines.push(`${i},${site},${temperature}`);
      const s = sums.get(site) ?? { sum: 0, count: 0 };
      sums.set(site, { sum: s.sum + temperature, count: s.count + 1 });
    }
    lines.push('3000,Zürich,');
    await writeFile(file, `${lines.join('\n')}\n`);

    const params: Params = { file };
    const result = await run(new URL('../../examples/top-sites.ts', import.meta.url), {
      params,
      workers: 2,
      progressIntervalMs: 0,
    }).result;
    const byName = (prefix: string) =>
      Object.values(result.sinks)
        .filter((s) => s.operatorId.startsWith(prefix))
        .flatMap((s) => s.instances.flat());
    const means = byName('collect') as Array<{ site: string; mean: number; readings: number }>;
    expect(means.map((m) => m.site).sort()).toEqual([...sites].sort());
    for (const m of means) {
      const s = sums.get(m.site)!;
      expect(m.readings).toBe(s.count);
      expect(m.mean).toBeCloseTo(s.sum / s.count, 9);
    }
    const unreadable = byName('unreadable') as Array<{ record: { site: string }; error: string }>;
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]!.error).toContain('no temperature');
  });
});
