import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../../cli/bench/report/html.ts';
import { HOSTILE_ERROR, SAMPLE_PASSWORD, sampleReport } from '../fixtures/sample-report.ts';

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** Checks that every tag closes in order; returns the problems found. */
function tagProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  // Raw-text elements hold no tags: skip their content.
  const body = html.replace(/<(script|style)\b([^>]*)>[\s\S]*?<\/\1>/g, '<$1$2></$1>');
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, rawName, , selfClosing] = match;
    const name = rawName!.toLowerCase();
    if (selfClosing || VOID.has(name)) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) problems.push(`</${name}> at ${match.index}`);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  if (/<(?![a-zA-Z/!])/.test(body.replace(/<!DOCTYPE html>/, ''))) problems.push('a bare <');
  return problems;
}

describe('renderHtml', () => {
  it('is one well-formed, self-contained document', async () => {
    const html = renderHtml(await sampleReport());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(tagProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    // The SVG namespace is the only URL, and it is an identifier, not a fetch.
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('plots throughput and per-second percentiles with one point per second, and the distribution', async () => {
    const report = await sampleReport();
    const html = renderHtml(report);
    const seconds = report.series.length;
    expect(seconds).toBeGreaterThanOrEqual(5);
    for (const name of [
      'ops/s',
      'errors/s',
      'p50 from intended start',
      'p99 from intended start',
      'p99 service time',
    ]) {
      const polyline = new RegExp(
        `<polyline data-series="${name}" data-points="(\\d+)"[^>]* points="([^"]*)"`,
      ).exec(html);
      expect(polyline, name).not.toBeNull();
      expect(Number(polyline![1])).toBe(seconds);
      expect(polyline![2]!.trim().split(/\s+/)).toHaveLength(seconds);
    }
    const distribution = /<polyline data-series="from intended start" data-points="(\d+)"/.exec(
      html,
    );
    expect(Number(distribution![1])).toBe(report.distribution.latency.length);
    expect(html).toContain('<polyline data-series="service time"');
    expect(html).toContain('99.9%');
  });

  it('shows the stall: the p99 line rises in the stalled second', async () => {
    const report = await sampleReport();
    const stalled = report.series[2]!;
    expect(stalled.latencyP99Us).toBeGreaterThan(300_000);
    expect(stalled.serviceP99Us).toBeLessThan(report.series[1]!.latencyP99Us + 500_000);
    expect(report.series[1]!.latencyP99Us).toBeLessThan(2_000);
  });

  it('embeds the report as inert JSON that parses back to the same data', async () => {
    const report = await sampleReport();
    const html = renderHtml(report);
    const block = /<script type="application\/json" id="sluice-report">([\s\S]*?)<\/script>/.exec(
      html,
    );
    expect(JSON.parse(block![1]!)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('escapes text from the server and never shows the password', async () => {
    const html = renderHtml(await sampleReport());
    expect(html).not.toContain(HOSTILE_ERROR);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; timed out');
    expect(html).not.toContain(SAMPLE_PASSWORD);
  });

  it('plots one latency curve without a rate, where service time is the latency', async () => {
    const html = renderHtml(await sampleReport({}));
    expect(html).toContain('maximum throughput');
    expect(html).toContain('<polyline data-series="p99 latency"');
    expect(html).not.toContain('service time');
    expect(tagProblems(html)).toEqual([]);
  });
});
