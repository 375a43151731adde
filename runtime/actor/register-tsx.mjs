// The one place a worker thread learns TypeScript. On Node 20, `--import tsx` in a worker's
// execArgv leaves no ESM hooks for dynamic imports, and a worker whose entry is a .ts file
// fails (ERR_UNKNOWN_FILE_EXTENSION): importing this module first, in the worker itself,
// registers tsx's hooks for the whole thread. Used by worker-bootstrap.mjs (piscina's workers)
// and ts-worker.ts (any other worker).
import { register } from 'tsx/esm/api';

register();
