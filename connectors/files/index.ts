export type { ColumnType } from '../../runtime/codec/types.ts';
export { type CsvFileOptions, csvFile } from './csvSink.ts';
export { type CsvOptions, csv, type Row } from './csvSource.ts';
export { jsonlFile } from './jsonlSink.ts';
export { type JsonlOptions, jsonl } from './jsonlSource.ts';
export { type StdinOptions, type StdoutOptions, stdin, stdout } from './stdio.ts';
