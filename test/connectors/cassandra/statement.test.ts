/**
 * The statement a load sends: planned from the mapping, or read from -query, and checked
 * against the table before any row is read; then each record bound to it.
 */

import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import type { CqlType } from '../../../connectors/cassandra/convert.ts';
import { RowMapper, type TableSchema } from '../../../connectors/cassandra/schema.ts';
import { planWrite, type WriteSpec } from '../../../connectors/cassandra/statement.ts';

const column = (name: string, type: CqlType, typeName: string = type) => ({
  name,
  type,
  typeName,
});

const events: TableSchema = {
  keyspace: 'app',
  table: 'events',
  columns: [
    column('id', 'int'),
    column('at', 'timeuuid'),
    column('body', 'text'),
    column('n', 'bigint'),
    column('tags', 'other', 'list<text>'),
    column('created', 'timestamp'),
  ],
  partitionKey: ['id'],
  clustering: ['at'],
};

const hits: TableSchema = {
  keyspace: 'app',
  table: 'hits',
  columns: [column('page', 'text'), column('views', 'counter'), column('likes', 'counter')],
  partitionKey: ['page'],
  clustering: [],
};

const plan = (spec: WriteSpec, schema = events) => planWrite(schema, spec);
const summary = (spec: WriteSpec, schema = events) => {
  const s = plan(spec, schema);
  return {
    query: s.query,
    variables: s.variables.map((v) => `${v.name}<-${v.field}:${v.role}`),
    isCounter: s.isCounter,
    isIdempotent: s.isIdempotent,
  };
};

describe('planWrite: a statement generated from the mapping', () => {
  it('every column by name: an INSERT of all of them', () => {
    expect(summary({})).toEqual({
      query:
        'INSERT INTO "app"."events" ("id", "at", "body", "n", "tags", "created") VALUES (?, ?, ?, ?, ?, ?)',
      variables: [
        'id<-id:column',
        'at<-at:column',
        'body<-body:column',
        'n<-n:column',
        'tags<-tags:column',
        'created<-created:column',
      ],
      isCounter: false,
      isIdempotent: true,
    });
  });

  it('exclusions, functions, and a TTL and write time for every row', () => {
    const s = summary({
      mapping: { at: 'now()', created: 'toTimestamp(now())' },
      isMappedByName: true,
      excludedColumns: ['tags', 'n'],
      ttlSeconds: 3600,
      timestampMicros: 1_700_000_000_123_456,
    });
    expect(s.query).toBe(
      'INSERT INTO "app"."events" ("at", "created", "id", "body") VALUES (now(), toTimestamp(now()), ?, ?) ' +
        'USING TTL 3600 AND TIMESTAMP 1700000000123456',
    );
    expect(s.variables).toEqual(['id<-id:column', 'body<-body:column']);
    // A fresh timeuuid in a clustering column: a retried write would add a second row.
    expect(s.isIdempotent).toBe(false);
  });

  it('__ttl and __timestamp: bound per row, after the values', () => {
    const s = summary({
      mapping: { id: 'id', at: 'at', __ttl: 'keep_for', __timestamp: 'written' },
    });
    expect(s.query).toBe(
      'INSERT INTO "app"."events" ("id", "at") VALUES (?, ?) USING TTL ? AND TIMESTAMP ?',
    );
    expect(s.variables).toEqual([
      'id<-id:column',
      'at<-at:column',
      '__ttl<-keep_for:ttl',
      '__timestamp<-written:timestamp',
    ]);
  });

  it('a counter table: UPDATE … SET c = c + ?, never retried after a timeout', () => {
    expect(summary({}, hits)).toEqual({
      query:
        'UPDATE "app"."hits" SET "views" = "views" + ?, "likes" = "likes" + ? WHERE "page" = ?',
      variables: ['views<-views:column', 'likes<-likes:column', 'page<-page:column'],
      isCounter: true,
      isIdempotent: false,
    });
  });

  it('refuses, naming the option, what cannot be written', () => {
    const cases: Array<[WriteSpec, RegExp, TableSchema?]> = [
      [
        { mapping: { id: 'id', at: 'at', bdy: 'b' } },
        /names column "bdy", which app.events lacks \(did you mean .*"body"/,
      ],
      [{ mapping: { id: 'id' } }, /every primary key column .* missing: at/],
      [{ excludedColumns: ['id'] }, /primary key column "id" cannot be excluded/],
      [{ excludedColumns: ['nope'] }, /exclusions name column "nope"/],
      [{ mapping: { id: 'id', at: 'at' }, excludedColumns: ['n'] }, /give it too/],
      [{ mapping: { id: 'uuid()', at: 'at' } }, /partition key column "id" must come from a field/],
      [{ mapping: { id: 'id', at: 'at', created: 'uuid()' } }, /cannot take uuid\(\), a uuid/],
      [{ mapping: { id: 'id', at: 'at', __ttl: 't' }, ttlSeconds: 5 }, /cannot both be given/],
      [{ ttlSeconds: 5 }, /counter table: Cassandra takes no TTL/, hits],
      [{ mapping: { page: 'page', views: 'now()' } }, /cannot take now\(\)/, hits],
    ];
    for (const [spec, message, schema] of cases) {
      expect(() => plan(spec, schema), JSON.stringify(spec)).toThrow(message);
      try {
        plan(spec, schema);
      } catch (error) {
        expect((error as { code: string }).code).toBe('ERR_INVALID_CONFIG');
      }
    }
  });
});

describe('planWrite: -query', () => {
  it('INSERT with named and positional markers, a function and USING TTL :t', () => {
    const s = summary({
      query:
        'insert into app.events (id, AT, body, created) values (:key, ?, :text, currentTimestamp()) using ttl :t;',
      mapping: { text: 'message' },
    });
    expect(s).toEqual({
      query:
        'INSERT INTO "app"."events" ("id", "at", "body", "created") VALUES (?, ?, ?, currentTimestamp()) USING TTL ?',
      variables: ['key<-key:column', 'at<-at:column', 'text<-message:column', 't<-t:ttl'],
      isCounter: false,
      isIdempotent: true,
    });
  });

  it('UPDATE of counters, with a literal increment; USING comes first in the binding order', () => {
    expect(
      summary(
        { query: 'UPDATE hits SET views = views + 1, likes = likes + :l WHERE page = :p' },
        hits,
      ),
    ).toEqual({
      query:
        'UPDATE "app"."hits" SET "views" = "views" + 1, "likes" = "likes" + ? WHERE "page" = ?',
      variables: ['l<-l:column', 'p<-p:column'],
      isCounter: true,
      isIdempotent: false,
    });
    expect(
      summary({
        query:
          'UPDATE app.events USING TIMESTAMP :w AND TTL 60 SET body = :body, tags = tags + :tags WHERE id = :id AND at = :at',
      }).query,
    ).toBe(
      'UPDATE "app"."events" USING TTL 60 AND TIMESTAMP ? SET "body" = ?, "tags" = "tags" + ? WHERE "id" = ? AND "at" = ?',
    );
  });

  it('refuses, naming -query, what it cannot send', () => {
    const cases: Array<[string, RegExp, TableSchema?]> = [
      ['DELETE FROM app.events WHERE id = :id', /DELETE is not a load's statement/],
      ['SELECT * FROM app.events', /SELECT is not a load's statement/],
      ['INSERT INTO app.events (id, at) VALUES (:id, :at) IF NOT EXISTS', /without IF/],
      ['INSERT INTO app.events (id, at, bdy) VALUES (:id, :at, :b)', /column "bdy".*"body"/],
      ['INSERT INTO app.events (id, at) VALUES (:id)', /as many values as columns/],
      ['INSERT INTO app.events (id, body) VALUES (:id, :b)', /missing: at/],
      ['INSERT INTO other.events (id, at) VALUES (:id, :at)', /keyspace other/],
      ['INSERT INTO app.logs (id, at) VALUES (:id, :at)', /table logs/],
      [
        "INSERT INTO app.events (id, at, n) VALUES (:id, :at, 'x')",
        /"n" \(bigint\) cannot take the literal 'x'/,
      ],
      [
        'INSERT INTO app.events (id, at) VALUES (uuid(), :at)',
        /cannot take uuid\(\)|must come from a field/,
      ],
      ['INSERT INTO app.events (id, at) VALUES (5, :at)', /must come from a field/],
      ['UPDATE app.events SET id = :id WHERE at = :at', /"id" goes in the WHERE clause/],
      ['UPDATE app.events SET body = :b WHERE id = :id', /missing: at/],
      ['UPDATE app.events SET body = :b WHERE id IN (:a) AND at = :at', /IN is not supported/],
      [
        'UPDATE app.events SET n = n + :n WHERE id = :id AND at = :at',
        /needs a counter or a collection/,
      ],
      ['UPDATE app.events SET tags[0] = :t WHERE id = :id AND at = :at', /element and field/],
      [
        'UPDATE hits SET views = :v WHERE page = :p',
        /is a counter: write views = views \+ :views/,
        hits,
      ],
      ['INSERT INTO hits (page, views) VALUES (:p, :v)', /counter table: use UPDATE/, hits],
      [
        'UPDATE hits USING TTL 5 SET views = views + 1 WHERE page = :p',
        /no TTL or write time/,
        hits,
      ],
      [
        'INSERT INTO app.events (id, at) VALUES (:id, :at) USING TTL 630720001',
        /at most 630720000/,
      ],
      [
        'INSERT INTO app.events (id, at) VALUES (:id, :at) USING TTL now()',
        /a bind marker or a whole number/,
      ],
      ['INSERT INTO app.events (id, at) VALUES (:id, :at) garbage', /the end of the statement/],
      ['INSERT INTO app.events (id, at) VALUES (:id, :at', /'\)' at the end/],
    ];
    for (const [query, message, schema] of cases) {
      expect(() => plan({ query }, schema), query).toThrow(message);
    }
    expect(() =>
      plan({ query: 'INSERT INTO events (id, at) VALUES (:id, :at)', ttlSeconds: 1 }),
    ).toThrow(/goes in the query itself/);
    expect(() =>
      plan({ query: 'INSERT INTO events (id, at) VALUES (:id, :at)', mapping: { x: 'y' } }),
    ).toThrow(/"x", which is no bind variable of the query \(variables: id, at\)/);
  });
});

describe('RowMapper.bind: nulls, TTLs and write times', () => {
  const spec: WriteSpec = {
    mapping: { id: 'id', at: 'at', body: 'body', __ttl: 'ttl', __timestamp: 'w' },
  };
  const at = '8e0ea0c0-0d4e-11ef-9b6a-0242ac120002';

  it('a null field is unset by default, and null with nulls: "null"; a missing one is always unset', () => {
    const unset = new RowMapper(events, spec).bind({ id: 1, at, body: null });
    expect(unset.values.slice(2)).toEqual([
      cassandra.types.unset,
      cassandra.types.unset,
      cassandra.types.unset,
    ]);
    const written = new RowMapper(events, { ...spec, nulls: 'null' }).bind({
      id: 1,
      at,
      body: null,
      ttl: null,
    });
    // A null TTL or write time is still unset: Cassandra refuses a null there.
    expect(written.values.slice(2)).toEqual([null, cassandra.types.unset, cassandra.types.unset]);
  });

  it('__ttl is whole seconds; __timestamp an ISO date-time kept to the microsecond, or milliseconds', () => {
    const mapper = new RowMapper(events, spec);
    const row = mapper.bind({
      id: 1,
      at,
      body: 'x',
      ttl: '3600',
      w: '2024-05-01T12:00:00.123456Z',
    });
    expect(row.values.slice(3)).toEqual([3600, 1_714_564_800_123_456n]);
    expect(mapper.bind({ id: 1, at, w: 1_714_564_800_123 }).values[4]).toBe(1_714_564_800_123_000n);
    // A zone-less date-time is UTC, as for timestamp columns.
    expect(mapper.bind({ id: 1, at, w: '2024-05-01 12:00:00' }).values[4]).toBe(
      1_714_564_800_000_000n,
    );
    expect(() => mapper.bind({ id: 1, at, ttl: '-1' })).toThrow(/__ttl.*whole seconds from 0/);
    expect(() => mapper.bind({ id: 1, at, ttl: 630_720_001 })).toThrow(/__ttl/);
    // Microseconds where milliseconds are read: year 55,000; refused, it could never be overwritten.
    expect(() => mapper.bind({ id: 1, at, w: 1_714_564_800_123_456 })).toThrow(/up to year 9999/);
  });

  it('routes by the partition key, whichever variable feeds it', () => {
    const query = 'UPDATE app.events SET body = :b WHERE at = :at AND id = :key';
    const byQuery = new RowMapper(events, { query }).bind({ key: 7, at, b: 'x' });
    const byMapping = new RowMapper(events, {}).bind({ id: 7, at, body: 'x' });
    expect(byQuery.key).toEqual(byMapping.key);
    expect(byQuery.token).toEqual(byMapping.token);
    expect(() => new RowMapper(events, { query }).bind({ at, b: 'x' })).toThrow(
      /primary key column "id" \(int\) has no value: field "key" is missing/,
    );
  });
});
