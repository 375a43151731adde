/**
 * `sluice demo` (what `npm start` runs): the whole bulk-load story on one machine. It finds a
 * cluster (CASSANDRA_CONTACT_POINTS, else the local one, started if it is not running),
 * creates a demo keyspace and table, generates a sample CSV, and loads it with the same code
 * as `sluice load`, progress bar and summary included.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { connect } from '../connectors/cassandra/client.ts';
import { type ConnectionOptions, resolveConnection } from '../connectors/cassandra/config.ts';
import { ConfigError } from '../runtime/errors.ts';
import { Random } from './bench/random.ts';
import {
  addConnectionOptions,
  type ConnectionArgs,
  resolveConnectionArgs,
  resolvePassword,
  resolveTarget,
} from './connection-options.ts';
import { resolveLoadOptions } from './load/options.ts';
import { messageOf, runLoad } from './load/run.ts';

const KEYSPACE = 'sluice_demo';
const TABLE = 'readings';
const DEFAULT_ROWS = 200_000;
const SENSORS = 2_000;
const SITES = ['Zürich', 'São Paulo', 'Kraków', 'Reykjavík', 'Ōsaka', 'Nairobi', 'Montréal'];
const NOTES = ['', 'ok', 'recalibrated, "drift" fixed', 'battery low\nreplace soon', 'door open'];

export interface DemoOptions extends ConnectionArgs {
  rows: number;
  dir: string;
  workers: number | undefined;
}

function sensorId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `5e750000-0000-4000-8000-${hex}`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes the sample CSV once per row count; an existing complete file is reused. */
export async function sampleDataset(dir: string, rows: number): Promise<string> {
  const path = join(dir, `readings-${rows}.csv`);
  if (
    await stat(path).then(
      (s) => s.size > 0,
      () => false,
    )
  )
    return path;
  await mkdir(dir, { recursive: true });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  // Seeded: the same rows on every machine.
  const random = new Random(20261121);
  const next = () => random.next();
  const start = Date.UTC(2026, 0, 1);
  out.write('sensor_id,ts,site,temperature,humidity,battery,ok,note\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const sensor = i % SENSORS;
    const reading = Math.floor(i / SENSORS);
    const ts = new Date(start + reading * 60_000 + sensor).toISOString();
    const site = SITES[sensor % SITES.length]!;
    const temperature = (15 + 10 * Math.sin(reading / 50) + 4 * next()).toFixed(2);
    const humidity = (40 + 30 * next()).toFixed(1);
    // Some sensors report no battery level: an empty field is written as null.
    const battery = sensor % 13 === 0 ? '' : String(Math.floor(100 - reading / 10) % 101);
    const ok = next() < 0.97 ? 'true' : 'false';
    const note = NOTES[Math.floor(next() * NOTES.length)]!;
    chunk += `${sensorId(sensor)},${ts},${csvField(site)},${temperature},${humidity},${battery},${ok},${csvField(note)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  await rename(partial, path);
  return path;
}

async function createSchema(connection: ConnectionOptions): Promise<void> {
  const client = await connect(resolveConnection(connection), {
    retries: 'driver',
    onWarning: (message) => process.stderr.write(`[demo] warning: ${message}\n`),
  });
  try {
    const nodes = client.hosts.length;
    const rf = Math.min(3, nodes);
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = ` +
        `{'class': 'SimpleStrategy', 'replication_factor': ${rf}}`,
    );
    await client.execute(
      `CREATE TABLE IF NOT EXISTS ${KEYSPACE}.${TABLE} (sensor_id uuid, ts timestamp, site text, ` +
        'temperature double, humidity double, battery int, ok boolean, note text, ' +
        'PRIMARY KEY ((sensor_id), ts))',
    );
    // A rerun loads the same rows again; starting empty keeps the summary easy to check.
    await client.execute(`TRUNCATE ${KEYSPACE}.${TABLE}`);
    process.stderr.write(
      `[demo] table ${KEYSPACE}.${TABLE} ready (replication factor ${rf} on ${nodes} nodes)\n`,
    );
  } finally {
    await client.shutdown();
  }
}

export async function runDemo(options: DemoOptions): Promise<number> {
  // The connection flags and the cluster they lead to are those of `sluice load`.
  const args: ConnectionArgs = { ...options, password: await resolvePassword(options) };
  const connection = resolveConnectionArgs(args, process.env);
  const cluster = await resolveTarget(
    connection,
    { env: process.env, stderr: process.stderr },
    'demo',
  );
  await createSchema(cluster);
  process.stderr.write(`[demo] generating ${options.rows.toLocaleString('en-US')} sample rows\n`);
  const file = await sampleDataset(options.dir, options.rows);
  process.stderr.write(
    `[demo] loading ${file}: the same as\n` +
      `       sluice load -url ${file} -k ${KEYSPACE} -t ${TABLE} -h ${cluster.contactPoints.join(',')}\n`,
  );
  const plan = resolveLoadOptions({
    url: file,
    keyspace: KEYSPACE,
    table: TABLE,
    host: cluster.contactPoints.join(','),
    dc: cluster.localDataCenter,
    consistency: connection.consistency,
    tls: connection.tls,
    ...(connection.tlsCaFile === undefined ? {} : { tlsCa: connection.tlsCaFile }),
    ...(connection.username === undefined
      ? {}
      : { username: connection.username, password: connection.password }),
    report: join(options.dir, 'report.json'),
    ...(options.workers === undefined ? {} : { workers: String(options.workers) }),
  });
  return runLoad(plan);
}

function positiveInt(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new ConfigError(`option --${name} must be a positive integer, got '${text}'`);
    }
    return n;
  };
}

export function demoCommand(): Command {
  const command = new Command('demo')
    .description(
      'start the local Cassandra if none is configured, generate a sample CSV and load it',
    )
    // -h is --host, as in every command that connects.
    .helpOption('--help', 'display help for demo')
    .option('--rows <n>', 'rows in the sample dataset', positiveInt('rows'), DEFAULT_ROWS)
    .option('--dir <dir>', 'where the dataset and the report go', '.sluice/demo')
    .option('--workers <n>', 'worker threads (default: one per core)', positiveInt('workers'));
  return addConnectionOptions(command).action(async (options: DemoOptions) => {
    try {
      process.exitCode = await runDemo(options);
    } catch (error) {
      process.stderr.write(`sluice demo: ${messageOf(error)}\n`);
      process.exitCode = 3;
    }
  });
}
