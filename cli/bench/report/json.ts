/** The JSON report: the whole `BenchReport`, latencies in µs. */
import { writeFile } from 'node:fs/promises';
import type { BenchReport } from '../coordinator.ts';

export function toJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export async function writeJsonReport(path: string, report: BenchReport): Promise<void> {
  await writeFile(path, toJson(report));
}
