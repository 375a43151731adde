/**
 * The layering of ARCHITECTURE.md, checked over the import graph: every relative import of
 * every source file (static, type-only, re-export, dynamic `import('…')` and
 * `new URL('…', import.meta.url)`) must point to a floor its own floor may import.
 *
 *   runtime ← operators ← connectors ← cli;  entry points above what they re-export;
 *   nothing imports bench/.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Floor =
  | 'runtime'
  | 'operators'
  | 'connectors'
  | 'cli'
  | 'bench'
  | 'entry'
  | 'examples'
  | 'bin';

/** What each floor may import, besides itself. */
const MAY_IMPORT: Record<Floor, readonly Floor[]> = {
  runtime: [],
  operators: ['runtime'],
  connectors: ['runtime', 'operators'],
  cli: ['runtime', 'operators', 'connectors', 'entry'],
  entry: ['runtime', 'operators', 'connectors'],
  bin: ['cli'],
  examples: ['entry'],
  bench: ['runtime', 'operators', 'connectors', 'cli', 'entry'],
};

/** The package's entry points: `sluice`, `sluice/files`, `sluice/memory`, `sluice/cassandra`. */
const ENTRY_POINTS = [
  'index.ts',
  'connectors/files/index.ts',
  'connectors/memory/index.ts',
  'connectors/cassandra/index.ts',
];

function floorOf(path: string): Floor | undefined {
  if (ENTRY_POINTS.includes(path)) return 'entry';
  const top = path.split('/')[0]!;
  return (Object.keys(MAY_IMPORT) as Floor[]).find((f) => f === top);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = dir === '' ? name : `${dir}/${name}`;
    if (name.startsWith('.') || name === 'node_modules' || name === 'test') continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs|js)$/.test(name) && floorOf(path) !== undefined) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])(\.\.?\/[^'"]+)\1/g;

/** Every relative import of `file`, as a path from the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    targets.push(relative(ROOT, resolve(ROOT, dirname(file), match[2]!)));
  }
  return targets;
}

interface Violation {
  file: string;
  target: string;
  rule: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of sourceFiles('')) {
    const floor = floorOf(file)!;
    for (const target of importsOf(file)) {
      const to = floorOf(target);
      if (to === undefined || to === floor) continue;
      if (to === 'entry' && floor === 'connectors' && target.startsWith(`${file.split('/')[0]}/`)) {
        continue;
      }
      if (!MAY_IMPORT[floor].includes(to)) {
        found.push({
          file,
          target,
          rule: `${floor} may import ${MAY_IMPORT[floor].join(', ') || 'only itself'}`,
        });
      }
    }
  }
  return found;
}

describe('the layering', () => {
  it('finds the source files of every floor', () => {
    const floors = new Set(sourceFiles('').map(floorOf));
    for (const floor of ['runtime', 'operators', 'connectors', 'cli', 'bench', 'entry']) {
      expect(floors, floor).toContain(floor);
    }
  });

  it('reads every kind of import', () => {
    // The engine's own files import one another in all the ways the check reads.
    const imports = importsOf('runtime/job/job.ts');
    expect(imports).toContain('runtime/actor/worker-bootstrap.mjs');
    expect(imports).toContain('runtime/graph/job-module.ts');
  });

  it('has no import that runs against the floors', () => {
    expect(violations()).toEqual([]);
  });

  it('would see an import that runs back up', () => {
    expect(floorOf('runtime/actor/output.ts')).toBe('runtime');
    expect(MAY_IMPORT.runtime).not.toContain('operators');
    expect(MAY_IMPORT.connectors).not.toContain('cli');
    for (const floor of Object.keys(MAY_IMPORT) as Floor[]) {
      expect(MAY_IMPORT[floor], `${floor} must not import bench`).not.toContain('bench');
    }
  });
});
