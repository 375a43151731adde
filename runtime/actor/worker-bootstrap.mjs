// The file piscina loads in each worker: TypeScript first (see register-tsx.mjs), then the
// actor host, so that job modules written in TypeScript can be imported.
import './register-tsx.mjs';

const { default: hostActor } = await import('./worker.ts');

export default hostActor;
