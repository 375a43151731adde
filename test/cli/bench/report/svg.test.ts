import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart, niceTicks } from '../../../../cli/bench/report/svg.ts';

describe('niceTicks', () => {
  it('gives round, evenly spaced ticks from min up to the first at or above max', () => {
    expect(niceTicks(0, 999)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), (max) => {
        const ticks = niceTicks(0, max);
        expect(ticks[0]).toBe(0);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max * (1 - 1e-9));
        expect(ticks.length).toBeGreaterThanOrEqual(3);
        expect(ticks.length).toBeLessThanOrEqual(12);
      }),
      { seed: 99, numRuns: 300 },
    );
  });
});

describe('lineChart', () => {
  it('keeps every point inside the plot area', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 's',
          color: '#000',
          points: [
            [0, 999],
            [1, 10],
            [2, 0],
            [3, 1001],
          ],
        },
      ],
    });
    const points = / points="([^"]*)"/
      .exec(svg)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    const frame = /<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/
      .exec(svg)!
      .slice(1)
      .map(Number);
    const [left, top, width, height] = frame as [number, number, number, number];
    for (const [x, y] of points as Array<[number, number]>) {
      expect(x).toBeGreaterThanOrEqual(left);
      expect(x).toBeLessThanOrEqual(left + width);
      expect(y).toBeGreaterThanOrEqual(top);
      expect(y).toBeLessThanOrEqual(top + height);
    }
  });

  it('escapes names and titles', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&#60;b&#62;&#38;&#34;c&#39;');
    const svg = lineChart({
      title: '<t>',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: '"s"', color: '#000', points: [] }],
    });
    expect(svg).not.toContain('<t>');
    expect(svg).toContain('data-series="&#34;s&#34;"');
  });
});
