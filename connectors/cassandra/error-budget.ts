/**
 * How many bad records a writer tolerates (`maxErrors`) before the job fails.
 *
 * A count fails the writer on the first bad record past it. A percentage is judged against
 * the records received so far, but only once there are `MIN_RECORDS_FOR_RATIO` of them (or
 * at the end of input): otherwise the first record of a job, if bad, would be 100% and fail
 * a load that is 99.9% clean.
 */

import { ConnectorError } from '../../runtime/errors.ts';
import type { MaxErrors } from './config.ts';

export const MIN_RECORDS_FOR_RATIO = 1000;

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
  if (limit.kind === 'count') {
    if (bad <= limit.limit) return undefined;
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    return new ConnectorError(
      `${where}: ${bad} bad records exceed maxErrors (${limit.limit}); see ${badFile}; last error: ${last}`,
      { cause: lastError, details: { bad, maxErrors: limit.limit, badFile } },
    );
  }
  if (!isEnd && received < MIN_RECORDS_FOR_RATIO) return undefined;
  if (bad <= limit.ratio * received) return undefined;
  return new ConnectorError(
    `${where}: ${bad} bad records of ${received} exceed maxErrors (${limit.ratio * 100}%); see ${badFile}`,
    { details: { bad, received, maxErrors: `${limit.ratio * 100}%`, badFile } },
  );
}
