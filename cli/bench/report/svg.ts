/**
 * Line charts as inline SVG, so an HTML report is one file that opens anywhere offline.
 */

export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface Tick {
  value: number;
  label: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Fixed x ticks (for a non-linear axis); otherwise round numbers are chosen. */
  xTicks?: readonly Tick[];
  width?: number;
  height?: number;
}

const MARGIN = { top: 34, right: 20, bottom: 46, left: 68 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` ticks at round values (1, 2, 5 × 10^n), the last one at or above `max`. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  let v = Math.ceil(min / step - 1e-9) * step;
  for (; v < max - step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 280;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = options.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = options.xTicks?.[0]?.value ?? Math.min(0, ...xs);
  const xTicks =
    options.xTicks ??
    niceTicks(xMin, Math.max(...xs, xMin + 1)).map((value) => ({
      value,
      label: formatTick(value),
    }));
  const xMax = Math.max(xTicks.at(-1)!.value, ...xs);
  const yTicks = niceTicks(0, Math.max(...ys, 0) || 1);
  const yMax = yTicks.at(-1)!;
  const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<text x="${width / 2}" y="20" text-anchor="middle" class="title">${escapeXml(options.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`,
  ];
  for (const tick of yTicks) {
    const y = sy(tick).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(tick))}</text>`,
    );
  }
  for (const tick of xTicks) {
    const x = sx(tick.value).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, i) => {
    const points = series.points
      .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline data-series="${escapeXml(series.name)}" data-points="${series.points.length}" fill="none" stroke="${series.color}" stroke-width="1.6" points="${points}"/>`,
      `<rect x="${MARGIN.left + 10 + i * 150}" y="${MARGIN.top + 8}" width="12" height="3" fill="${series.color}"/>`,
      `<text x="${MARGIN.left + 26 + i * 150}" y="${MARGIN.top + 12}" class="legend">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
