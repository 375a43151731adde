import { describe, expect, it } from 'vitest';
import { splitCql } from '../../../connectors/cassandra/cql-script.ts';

describe('splitCql', () => {
  it('splits at semicolons outside strings, quoted names and comments, keeping start lines', () => {
    const script = [
      '-- the schema; run once',
      "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};",
      '',
      '/* a table;',
      '   with a comment */ CREATE TABLE app."odd;name" (',
      '  id int PRIMARY KEY, // the key; an int',
      '  note text',
      ');',
      "INSERT INTO app.\"odd;name\" (id, note) VALUES (1, 'it''s; fine');",
      'INSERT INTO app.t (id, f) VALUES (2, $$a;b$$)',
    ].join('\n');
    expect(splitCql(script)).toEqual([
      {
        line: 2,
        text: "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      },
      {
        line: 5,
        text: 'CREATE TABLE app."odd;name" (\n  id int PRIMARY KEY, \n  note text\n)',
      },
      { line: 9, text: "INSERT INTO app.\"odd;name\" (id, note) VALUES (1, 'it''s; fine')" },
      { line: 10, text: 'INSERT INTO app.t (id, f) VALUES (2, $$a;b$$)' },
    ]);
  });

  it('finds nothing in comments and blank statements', () => {
    expect(splitCql('-- nothing\n;;\n/* still nothing; */\n')).toEqual([]);
  });
});
