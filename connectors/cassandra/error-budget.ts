/**
 * How many bad records a writer tolerates (`maxErrors`) before the job fails.
 *
 * A count fails the writer on the first bad record past it. A percentage is judged against
 * the records received so far, but only once there are `MIN_RECORDS_FOR_RATIO` of them (or
 * at the end of input): otherwise the first record of a job, if bad, would be 100% and fail
 * a load that is 99.9% clean.
 */

import { ConfigError, ConnectorError } from '../../runtime/errors.ts';

export const MIN_RECORDS_FOR_RATIO = 1000;

/** `maxErrors`, parsed once at the edge: a count of bad records, or a share of those received. */
export type MaxErrors = { kind: 'count'; limit: number } | { kind: 'ratio'; ratio: number };

export const DEFAULT_MAX_ERRORS: MaxErrors = { kind: 'count', limit: 100 };

/** DSBulk's `-1`: no limit. */
export const NO_ERROR_LIMIT = { kind: 'count', limit: Number.MAX_SAFE_INTEGER } as const;

/**
 * `100`, `"100"`, `"5%"`, or `-1` for no limit (DSBulk's spelling); undefined is the default.
 * `label` names the setting as its caller spells it (`option -maxErrors`, `cassandra(): option
 * "maxErrors"`); the error's `details.option` is `maxErrors` either way.
 */
export function parseMaxErrors(value: unknown, label = 'maxErrors'): MaxErrors {
  if (value === undefined) return DEFAULT_MAX_ERRORS;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string') {
    const t = text.trim();
    if (t === '-1') return NO_ERROR_LIMIT;
    if (/^\d+$/.test(t) && Number.isSafeInteger(Number(t)))
      return { kind: 'count', limit: Number(t) };
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(t);
    if (percent && Number(percent[1]) <= 100)
      return { kind: 'ratio', ratio: Number(percent[1]) / 100 };
  }
  throw new ConfigError(
    `${label} must be a count (0, 100; -1 for no limit) or a percentage such as 5%, got ${JSON.stringify(value)}`,
    { details: { option: 'maxErrors' } },
  );
}

/** As a user writes it: `100`, `5%`, or `-1`. */
export function formatMaxErrors(limit: MaxErrors): string {
  if (limit.kind === 'ratio') return `${limit.ratio * 100}%`;
  return limit.limit === NO_ERROR_LIMIT.limit ? '-1' : String(limit.limit);
}

/** Whether `bad` of `received` records exceed `limit` (a ratio is judged from MIN_RECORDS_FOR_RATIO, or at the end). */
export function isOverBudget(
  limit: MaxErrors,
  bad: number,
  received: number,
  isEnd: boolean,
): boolean {
  if (limit.kind === 'count') return bad > limit.limit;
  if (!isEnd && received < MIN_RECORDS_FOR_RATIO) return false;
  return bad > limit.ratio * received;
}

/**
 * The error that ends the job when `bad` of `received` records exceed `limit`, or
 * `undefined` while within it. `where` names the writer, `badFile` where the records went.
 */
export function overBudget(
  limit: MaxErrors,
  bad: number,
  received: number,
  isEnd: boolean,
  where: string,
  badFile: string,
  lastError: unknown,
): ConnectorError | undefined {
  if (!isOverBudget(limit, bad, received, isEnd)) return undefined;
  if (limit.kind === 'count') {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    return new ConnectorError(
      `${where}: ${bad} bad records exceed maxErrors (${limit.limit}); see ${badFile}; last error: ${last}`,
      { cause: lastError, details: { bad, maxErrors: limit.limit, badFile } },
    );
  }
  return new ConnectorError(
    `${where}: ${bad} bad records of ${received} exceed maxErrors (${limit.ratio * 100}%); see ${badFile}`,
    { details: { bad, received, maxErrors: `${limit.ratio * 100}%`, badFile } },
  );
}
