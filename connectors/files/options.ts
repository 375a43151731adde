/** Eager validation of connector options: a typo or a wrong type fails when the graph is built. */

import { ConfigError } from '../../runtime/errors.ts';

export function checkKeys(where: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${where}: unknown option '${key}' (known: ${allowed.join(', ')})`, {
        details: { option: key },
      });
    }
  }
}

export function checkObject(where: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(`${where}: options must be an object`);
  }
  return options as Record<string, unknown>;
}

export function checkPaths(where: string, paths: unknown): string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((p) => typeof p === 'string' && p.length > 0)
  ) {
    throw new ConfigError(
      `${where}: the path must be a non-empty string or a non-empty array of them`,
      {
        details: { option: 'path' },
      },
    );
  }
  return list as string[];
}

export function checkPath(where: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ConfigError(`${where}: the path must be a non-empty string`, {
      details: { option: 'path' },
    });
  }
  return path;
}

export function optionError(where: string, option: string, expected: string): ConfigError {
  return new ConfigError(`${where}: option '${option}' must be ${expected}`, {
    details: { option },
  });
}

export function positiveInteger(
  where: string,
  option: string,
  value: unknown,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw optionError(where, option, 'a positive integer');
  }
  return value;
}
