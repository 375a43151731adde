/**
 * DSBulk's mapping text, and the check of a CSV header against the statement it feeds.
 */

import { describe, expect, it } from 'vitest';
import {
  checkFields,
  type FieldCheckOptions,
  parseMappingText,
  positionalWidth,
} from '../../../connectors/cassandra/mapping.ts';
import type { TableSchema } from '../../../connectors/cassandra/schema.ts';
import { planWrite, type WriteSpec } from '../../../connectors/cassandra/statement.ts';

const parse = (text: string, isPositional: boolean) =>
  parseMappingText(text, isPositional, (expected) => new Error(`-m must be ${expected}`));

const byName = { mapping: undefined, isMappedByName: true, excludedColumns: [] };

describe('parseMappingText (DSBulk: field = column)', () => {
  it('returns column → field; *=* is the default mapping by name', () => {
    expect(parse('user_id = id, full=name', false)).toEqual({
      mapping: { id: 'user_id', name: 'full' },
      isMappedByName: false,
      excludedColumns: [],
    });
    expect(parse('id, name', false).mapping).toEqual({ id: 'id', name: 'name' });
    expect(parse(' * = * ', false)).toEqual(byName);
    // DSBulk also separates with ':'.
    expect(parse('user_id: id', false).mapping).toEqual({ id: 'user_id' });
  });

  it('without a header, fields are positions; bare names take the next position', () => {
    expect(parse('id, name, score', true).mapping).toEqual({ id: '0', name: '1', score: '2' });
    const sparse = parse('0=id, 3=score', true).mapping!;
    expect(sparse).toEqual({ id: '0', score: '3' });
    expect(positionalWidth(sparse)).toBe(4);
    // A column filled by a function reads no position.
    expect(positionalWidth(parse('0=id, now()=t', true).mapping!)).toBe(1);
  });

  it('* = * with pairs, and exclusions', () => {
    expect(parse('* = *, c5 = c4', false)).toEqual({
      mapping: { c4: 'c5' },
      isMappedByName: true,
      excludedColumns: [],
    });
    expect(parse('* = -c2', false)).toEqual({ ...byName, excludedColumns: ['c2'] });
    expect(parse('* = [-c2, -c3]', false)).toEqual({ ...byName, excludedColumns: ['c2', 'c3'] });
    expect(parse('*=[-c2,-c3], now() = t', false)).toEqual({
      mapping: { t: 'now()' },
      isMappedByName: true,
      excludedColumns: ['c2', 'c3'],
    });
  });

  it('functions, pseudo-columns and quoted fields', () => {
    expect(parse('id, now() = t, toTimestamp(now()) = at, uuid() = u', false).mapping).toEqual({
      id: 'id',
      t: 'now()',
      at: 'toTimestamp(now())',
      u: 'uuid()',
    });
    expect(parse('id, t = __ttl, w = __timestamp', false).mapping).toEqual({
      id: 'id',
      __ttl: 't',
      __timestamp: 'w',
    });
    expect(parse('"Full Name" = name, "a ""b""" = c', false).mapping).toEqual({
      name: 'Full Name',
      c: 'a "b"',
    });
  });

  it('rejects what cannot be meant', () => {
    expect(() => parse('a=x, b=x', false)).toThrow(/mapped twice/);
    expect(() => parse('a=1bad', false)).toThrow(/column name/);
    expect(() => parse('name=id', true)).toThrow(/positions/);
    expect(() => parse(' , ', false)).toThrow(/field=column/);
    expect(() => parse('* = c2', false)).toThrow(/'\* = -column'/);
    expect(() => parse('* = [c2]', false)).toThrow(/'\* = -column'/);
    expect(() => parse('a = *', false)).toThrow(/'\*' only as/);
    expect(() => parse('* = *', true)).toThrow(/needs a header/);
    expect(() => parse('nope() = t', false)).toThrow(/a function Sluice knows .*not nope\(\)/);
    expect(() => parse('now(1) = t', false)).toThrow(/now\(\) with no arguments/);
    expect(() => parse('toTimestamp(uuid()) = t', false)).toThrow(/timeuuid or date, not uuid\(\)/);
    expect(() => parse('f = now()', false)).toThrow(/a function goes on the left/);
  });
});

describe('checkFields (a header against the statement)', () => {
  const column = (name: string, type: 'int' | 'text' | 'timeuuid') => ({
    name,
    type,
    typeName: type,
  });
  const users: TableSchema = {
    keyspace: 'app',
    table: 'users',
    columns: [
      column('id', 'int'),
      column('seq', 'int'),
      column('name', 'text'),
      column('email', 'text'),
      column('seen', 'timeuuid'),
    ],
    partitionKey: ['id'],
    clustering: ['seq'],
  };
  const strict = { allowMissingFields: false, allowExtraFields: true };
  const where = 'the header of a.csv';
  const check = (
    fields: string[],
    spec: WriteSpec | undefined,
    options: FieldCheckOptions = strict,
  ) => checkFields(planWrite(users, spec), fields, options, where);

  it('passes a header naming every column, in any order', () => {
    expect(check(['email', 'name', 'seq', 'id', 'seen'], undefined)).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('fails a typo of a column and says what it probably meant', () => {
    const result = check(['id', 'seq', 'nmae', 'email'], { excludedColumns: ['seen'] });
    expect(result.errors).toEqual([
      'column "name" of app.users has no field in the header of a.csv (did you mean "nmae"?); ' +
        'give --schema.allowMissingFields true to leave it unset',
    ]);
    expect(result.warnings).toEqual([
      'field "nmae" of the header of a.csv has no column in app.users: it is ignored',
    ]);
  });

  it('fails a missing primary-key column even when missing fields are allowed', () => {
    const lenient = { allowMissingFields: true, allowExtraFields: true };
    const result = check(['ID', 'seq', 'name', 'email', 'seen'], undefined, lenient);
    expect(result.errors).toEqual([
      'primary-key column "id" of app.users has no field in the header of a.csv (did you mean "ID"?)',
    ]);
  });

  it('leaves a missing column unset, with a warning, when missing fields are allowed', () => {
    const lenient = { allowMissingFields: true, allowExtraFields: true };
    const result = check(['id', 'seq', 'name', 'seen'], undefined, lenient);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      'column "email" of app.users has no field in the header of a.csv: it is left unset',
    ]);
  });

  it('fails an extra field when extra fields are not allowed; no "did you mean" far from any name', () => {
    const closed = { allowMissingFields: false, allowExtraFields: false };
    const result = check(['id', 'seq', 'name', 'email', 'seen', 'x'], undefined, closed);
    expect(result.errors).toEqual([
      'field "x" of the header of a.csv has no column in app.users (--schema.allowExtraFields is false)',
    ]);
  });

  it('with a mapping: a mapped field the header lacks', () => {
    const mapping = { id: 'user', seq: 'n', name: 'full_name', email: 'mail' };
    const result = check(['user', 'n', 'fullname', 'mail'], { mapping });
    expect(result.errors).toEqual([
      'the mapping takes column "name" from field "full_name", which the header of a.csv lacks ' +
        '(did you mean "fullname"?); give --schema.allowMissingFields true to leave it unset',
    ]);
    // Fields a mapping leaves out are meant to be left out: no warning.
    expect(result.warnings).toEqual([]);
  });

  it('a mapping naming a column the table lacks fails when the statement is planned', () => {
    expect(() => planWrite(users, { mapping: { id: 'id', seq: 'seq', emial: 'mail' } })).toThrow(
      'mapping: the mapping names column "emial", which app.users lacks (did you mean "email"?)',
    );
  });

  it('a column fed by a function, or excluded, is not missing', () => {
    const spec = {
      mapping: { seen: 'now()' },
      isMappedByName: true,
      excludedColumns: ['email'],
    };
    expect(check(['id', 'seq', 'name'], spec)).toEqual({ errors: [], warnings: [] });
    // The excluded column's field, if present, is extra.
    expect(check(['id', 'seq', 'name', 'email'], spec).warnings).toEqual([
      'field "email" of the header of a.csv has no column in app.users: it is ignored',
    ]);
  });

  it('__ttl and __timestamp fields must be in the header, like a column', () => {
    const spec = { mapping: { __ttl: 'ttl' }, isMappedByName: true, excludedColumns: ['seen'] };
    expect(check(['id', 'seq', 'name', 'email'], spec).errors).toEqual([
      'the mapping takes __ttl from field "ttl", which the header of a.csv lacks; ' +
        'give --schema.allowMissingFields true to leave it unset',
    ]);
    expect(check(['id', 'seq', 'name', 'email', 'ttl'], spec).errors).toEqual([]);
  });

  it('with -query, the bind variables take the fields', () => {
    const query = 'INSERT INTO app.users (id, seq, name) VALUES (:id, :seq, :full_name)';
    expect(check(['id', 'seq', 'fullname'], { query }).errors).toEqual([
      'bind variable "full_name" of the query has no field in the header of a.csv ' +
        '(did you mean "fullname"?); give --schema.allowMissingFields true to leave it unset',
    ]);
    expect(check(['id', 'seq', 'x'], { query, mapping: { full_name: 'x' } }).errors).toEqual([]);
  });
});
