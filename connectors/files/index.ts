export type { ColumnType } from '../../runtime/codec/types.ts';
export { type CsvFileOptions, csvFile } from './csv-sink.ts';
export { type CsvOptions, csv, type Row } from './csv-source.ts';
export { jsonlFile } from './jsonl-sink.ts';
export { type JsonlOptions, jsonl } from './jsonl-source.ts';
export { type StdinOptions, type StdoutOptions, stdin, stdout } from './stdio.ts';
