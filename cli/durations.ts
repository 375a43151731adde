/**
 * Durations as the command line writes them, for every command: "30s", "1.5m", "500ms",
 * "2h", or a bare number of seconds.
 */

import { ConfigError } from '../runtime/errors.ts';

const UNITS_US: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };

/** `text` in microseconds; `flag` names the option in the error (`--flag must be …`). */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new ConfigError(
      `--${flag} must be a duration such as 30s, 500ms, 2m or 1h, got "${text}"`,
      { details: { option: flag } },
    );
  }
  return Math.round(Number(match[1]) * UNITS_US[match[2] ?? 's']!);
}
