/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network),
 * with throughput and latency percentiles over time and the percentile distribution.
 * The JSON report is embedded as an inert data block for tools that scrape the page.
 */
import { writeFile } from 'node:fs/promises';
import type { DistributionPoint, LatencySummary } from '../../../runtime/metrics/histogram.ts';
import type { BenchReport } from '../coordinator.ts';
import { formatMs } from './console.ts';
import { escapeXml, lineChart, type Series, type Tick } from './svg.ts';

const COLORS = { latency: '#1f77b4', service: '#ff7f0e', p99: '#d62728', errors: '#7f7f7f' };

/** x position of percentile p on the "nines" axis: 90% → 1, 99% → 2, 99.9% → 3. */
export function ninesOf(percentile: number): number {
  return -Math.log10(Math.max(1 - percentile / 100, 1e-6));
}

const NINES_TICKS: Tick[] = ['0', '90', '99', '99.9', '99.99', '99.999', '99.9999'].map((p) => ({
  value: ninesOf(Number(p)),
  label: `${p}%`,
}));

function distributionSeries(name: string, color: string, points: DistributionPoint[]): Series {
  return {
    name,
    color,
    points: points.map((p) => [ninesOf(p.percentile), p.valueUs / 1000] as const),
  };
}

function summaryRow(label: string, s: LatencySummary): string {
  const cells = [s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(
    (v) => `<td>${formatMs(v)}</td>`,
  );
  return `<tr><th>${escapeXml(label)}</th>${cells.join('')}</tr>`;
}

export function renderHtml(report: BenchReport): string {
  const isRated = report.mode === 'fixed-rate';
  const s = report.settings;
  const title = `sluice bench ${report.workload}`;
  const seconds = report.series;
  const latencyName = isRated ? 'from intended start' : 'latency';

  const throughput = lineChart({
    title: 'Throughput',
    xLabel: 'seconds',
    yLabel: 'operations per second',
    series: [
      {
        name: 'ops/s',
        color: COLORS.latency,
        points: seconds.map((p) => [p.second, p.ops] as const),
      },
      {
        name: 'errors/s',
        color: COLORS.errors,
        points: seconds.map((p) => [p.second, p.errors] as const),
      },
    ],
  });
  const latencySeries: Series[] = [
    {
      name: `p50 ${latencyName}`,
      color: COLORS.latency,
      points: seconds.map((p) => [p.second, p.latencyP50Us / 1000] as const),
    },
    {
      name: `p99 ${latencyName}`,
      color: COLORS.p99,
      points: seconds.map((p) => [p.second, p.latencyP99Us / 1000] as const),
    },
  ];
  if (isRated) {
    latencySeries.push({
      name: 'p99 service time',
      color: COLORS.service,
      points: seconds.map((p) => [p.second, p.serviceP99Us / 1000] as const),
    });
  }
  const latencyOverTime = lineChart({
    title: 'Latency percentiles per second',
    xLabel: 'seconds',
    yLabel: 'milliseconds',
    series: latencySeries,
  });
  const distributionCurves = [
    distributionSeries(latencyName, COLORS.latency, report.distribution.latency),
  ];
  if (isRated) {
    distributionCurves.push(
      distributionSeries('service time', COLORS.service, report.distribution.service),
    );
  }
  const distributionChart = lineChart({
    title: 'Latency by percentile',
    xLabel: 'percentile',
    yLabel: 'milliseconds',
    series: distributionCurves,
    xTicks: NINES_TICKS,
  });

  const settingsRows = Object.entries({ ...s, connection: undefined })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`);
  settingsRows.push(
    `<tr><th>hosts</th><td>${escapeXml(s.connection.contactPoints.join(', '))} (${escapeXml(s.connection.localDataCenter)})</td></tr>`,
  );
  const errors = report.errorSamples.map(
    (e) => `<tr><td>${e.count}</td><td>${escapeXml(e.message)}</td></tr>`,
  );
  // `<` escaped so that no value can close the data block.
  const data = JSON.stringify(report).replace(/</g, '\\u003c');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 20px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th { text-align: left; font-weight: 600; }
svg { display: block; margin: 12px 0; font-size: 11px; }
svg .title { font-size: 14px; font-weight: 600; }
.note { color: #a15c00; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(report.tool)}, started ${escapeXml(report.startedAt)}; ${isRated ? `fixed rate of ${s.rate} ops/s` : 'maximum throughput'}.</p>
<table id="totals">
<tr><th>operations</th><td>${report.ops}</td></tr>
<tr><th>errors</th><td>${report.errors}</td></tr>
<tr><th>misses</th><td>${report.misses}</td></tr>
<tr><th>throughput (ops/s)</th><td>${report.opsPerSecond.toFixed(1)}</td></tr>
<tr><th>measured (s)</th><td>${report.elapsedSeconds.toFixed(2)}</td></tr>
</table>
<table id="latency">
<tr><th>latency (ms)</th><th>min</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>
${summaryRow(latencyName, report.latencyUs)}
${isRated ? summaryRow('service time', report.serviceUs) : ''}
${report.kinds.length > 1 ? report.kinds.map((k) => summaryRow(k.name, k.latencyUs)).join('\n') : ''}
</table>
${throughput}
${latencyOverTime}
${distributionChart}
${errors.length > 0 ? `<h2>Errors</h2>\n<table id="errors">\n<tr><th>count</th><th>message</th></tr>\n${errors.join('\n')}\n</table>` : ''}
${report.notes.map((n) => `<p class="note">${escapeXml(n)}</p>`).join('\n')}
<h2>Settings</h2>
<table id="settings">
${settingsRows.join('\n')}
</table>
<script type="application/json" id="sluice-report">${data}</script>
</body>
</html>
`;
}

export async function writeHtmlReport(path: string, report: BenchReport): Promise<void> {
  await writeFile(path, renderHtml(report));
}
