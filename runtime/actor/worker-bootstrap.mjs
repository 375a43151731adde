// The file piscina loads in each worker. On Node 20, `--import tsx` in a worker's execArgv
// leaves no ESM hooks for dynamic imports, so a job module written in TypeScript could not be
// imported; registering tsx here, in the worker itself, installs them for the whole thread.
import { register } from 'tsx/esm/api';

register();
const { default: hostActor } = await import('./worker.ts');

export default hostActor;
