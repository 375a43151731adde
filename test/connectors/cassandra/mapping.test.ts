import { describe, expect, it } from 'vitest';
import { parseMappingText, positionalWidth } from '../../../connectors/cassandra/mapping.ts';

const parse = (text: string, isPositional: boolean) =>
  parseMappingText(text, isPositional, (expected) => new Error(`-m must be ${expected}`));

describe('parseMappingText (DSBulk: field = column)', () => {
  it('returns column → field; *=* is the default mapping by name', () => {
    expect(parse('user_id = id, full=name', false)).toEqual({
      id: 'user_id',
      name: 'full',
    });
    expect(parse('id, name', false)).toEqual({ id: 'id', name: 'name' });
    expect(parse(' * = * ', false)).toBeUndefined();
  });

  it('without a header, fields are positions; bare names take the next position', () => {
    expect(parse('id, name, score', true)).toEqual({ id: '0', name: '1', score: '2' });
    const sparse = parse('0=id, 3=score', true)!;
    expect(sparse).toEqual({ id: '0', score: '3' });
    expect(positionalWidth(sparse)).toBe(4);
  });

  it('rejects what cannot be meant', () => {
    expect(() => parse('*=*, a=b', false)).toThrow(/'\*=\*' alone/);
    expect(() => parse('a=x, b=x', false)).toThrow(/mapped twice/);
    expect(() => parse('a=1bad', false)).toThrow(/column name/);
    expect(() => parse('name=id', true)).toThrow(/positions/);
    expect(() => parse(' , ', false)).toThrow(/field=column/);
  });
});
