import { describe, expect, it } from 'vitest';
import {
  formatMaxErrors,
  isOverBudget,
  NO_ERROR_LIMIT,
  parseMaxErrors,
} from '../../../connectors/cassandra/error-budget.ts';

describe('maxErrors, parsed once', () => {
  it('a count, a percentage, or -1 for no limit', () => {
    expect(parseMaxErrors('0')).toEqual({ kind: 'count', limit: 0 });
    expect(parseMaxErrors('250')).toEqual({ kind: 'count', limit: 250 });
    expect(parseMaxErrors(250)).toEqual({ kind: 'count', limit: 250 });
    expect(parseMaxErrors('2.5%')).toEqual({ kind: 'ratio', ratio: 0.025 });
    expect(parseMaxErrors('-1')).toBe(NO_ERROR_LIMIT);
    expect(formatMaxErrors(parseMaxErrors('-1'))).toBe('-1');
    expect(formatMaxErrors(parseMaxErrors('2.5%'))).toBe('2.5%');
    expect(() => parseMaxErrors('-2', 'option -maxErrors')).toThrow(/option -maxErrors must be/);
    expect(() => parseMaxErrors('150%')).toThrow(/maxErrors/);
  });

  it('judges a count at once and a percentage from 1000 rows or at the end', () => {
    expect(isOverBudget(parseMaxErrors('0'), 1, 10, false)).toBe(true);
    expect(isOverBudget(parseMaxErrors('0'), 0, 10, false)).toBe(false);
    expect(isOverBudget(parseMaxErrors('5%'), 6, 100, false)).toBe(false);
    expect(isOverBudget(parseMaxErrors('5%'), 6, 100, true)).toBe(true);
    expect(isOverBudget(parseMaxErrors('5%'), 5, 100, true)).toBe(false);
    expect(isOverBudget(parseMaxErrors('0.1%'), 2, 1000, false)).toBe(true);
  });
});
