import { describe, expect, it } from 'vitest';
import {
  checkFields,
  parseMappingText,
  positionalWidth,
} from '../../../connectors/cassandra/mapping.ts';

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

describe('checkFields (a header against the table)', () => {
  const users = {
    keyspace: 'app',
    table: 'users',
    columns: [{ name: 'id' }, { name: 'seq' }, { name: 'name' }, { name: 'email' }],
    partitionKey: ['id'],
    clustering: ['seq'],
  };
  const strict = { allowMissingFields: false, allowExtraFields: true };
  const where = 'the header of a.csv';

  it('passes a header naming every column, in any order', () => {
    expect(checkFields(users, ['email', 'name', 'seq', 'id'], undefined, strict, where)).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('fails a typo of a column and says what it probably meant', () => {
    const check = checkFields(users, ['id', 'seq', 'nmae', 'email'], undefined, strict, where);
    expect(check.errors).toEqual([
      'column "name" of app.users has no field in the header of a.csv (did you mean "nmae"?); ' +
        'give --schema.allowMissingFields true to leave it unset',
    ]);
    expect(check.warnings).toEqual([
      'field "nmae" of the header of a.csv has no column in app.users: it is ignored',
    ]);
  });

  it('fails a missing primary-key column even when missing fields are allowed', () => {
    const lenient = { allowMissingFields: true, allowExtraFields: true };
    const check = checkFields(users, ['ID', 'seq', 'name', 'email'], undefined, lenient, where);
    expect(check.errors).toEqual([
      'primary-key column "id" of app.users has no field in the header of a.csv (did you mean "ID"?)',
    ]);
  });

  it('leaves a missing column unset, with a warning, when missing fields are allowed', () => {
    const lenient = { allowMissingFields: true, allowExtraFields: true };
    const check = checkFields(users, ['id', 'seq', 'name'], undefined, lenient, where);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([
      'column "email" of app.users has no field in the header of a.csv: it is left unset',
    ]);
  });

  it('fails an extra field when extra fields are not allowed; no "did you mean" far from any name', () => {
    const closed = { allowMissingFields: false, allowExtraFields: false };
    const check = checkFields(users, ['id', 'seq', 'name', 'email', 'x'], undefined, closed, where);
    expect(check.errors).toEqual([
      'field "x" of the header of a.csv has no column in app.users (--schema.allowExtraFields is false)',
    ]);
  });

  it('with a mapping: a mapped field the header lacks, and a column the table lacks', () => {
    const mapping = { id: 'user', seq: 'n', name: 'full_name', emial: 'mail' };
    const check = checkFields(users, ['user', 'n', 'fullname', 'mail'], mapping, strict, where);
    expect(check.errors).toEqual([
      'the mapping names column "emial", which app.users lacks (did you mean "email"?)',
      'the mapping takes column "name" from field "full_name", which the header of a.csv lacks ' +
        '(did you mean "fullname"?); give --schema.allowMissingFields true to leave it unset',
    ]);
    // Fields a mapping leaves out are meant to be left out: no warning.
    expect(check.warnings).toEqual([]);
  });
});
