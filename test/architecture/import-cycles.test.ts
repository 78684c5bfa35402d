import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

import { expect } from '@hapi/code';
import * as Lab from '@hapi/lab';

export const lab = Lab.script();
const { describe, it } = lab;

/** Every relative import of a source file, type-only ones and `typeof import(…)` included: a cycle of types is a cycle. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] as string);
  return specifiers.map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '')).map(sourceFile);
}

function sourceFile(base: string): string {
  for (const extension of ['.ts', '.tsx']) {
    try {
      statSync(base + extension);
      return base + extension;
    } catch {
      // Try the next one.
    }
  }
  return base;
}

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = resolve(directory, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The first cycle found by a depth-first walk, as a list of files, or undefined. */
function findCycle(roots: readonly string[]): string[] | undefined {
  const graph = new Map(roots.map((file) => [file, importsOf(file)]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = path.indexOf(file);
    if (at >= 0) {
      return [...path.slice(at), file];
    }
    if (done.has(file) || !graph.has(file)) {
      return undefined;
    }
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) {
        return cycle;
      }
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  for (const file of roots) {
    const cycle = visit(file);
    if (cycle !== undefined) {
      return cycle;
    }
  }
  return undefined;
}

describe('the import graph', () => {
  it('has no cycle in cli/', () => {
    const cycle = findCycle(sources('cli'));

    expect(cycle?.map((file) => relative(process.cwd(), file)).join(' → '), 'import cycle').to.be.undefined();
  });

  it('has no cycle in shared/', () => {
    const cycle = findCycle(sources('shared'));

    expect(cycle?.map((file) => relative(process.cwd(), file)).join(' → '), 'import cycle').to.be.undefined();
  });
});

