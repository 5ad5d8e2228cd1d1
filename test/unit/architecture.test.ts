import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The import rules of issue 12, read from the source: the core depends on ports only, the
 * adapters do not reach into the edge or into each other, and no two files import each other,
 * even indirectly. Type-only imports count: they still tie the modules together.
 */

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

/** Every module specifier a file imports, re-exports, requires or imports dynamically (comments and strings ignored). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const fromRoot = (path: string) => relative(ROOT, path).split('\\').join('/');

/** Relative imports that name no file: the rules below would not see them. */
const UNRESOLVED: string[] = [];

/** The file a relative specifier names, as a path relative to the repository ("src/core/kinds.ts"). */
function resolveRelative(from: string, specifier: string): string[] {
  const base = resolve(dirname(from), specifier);
  const found = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (found) return [fromRoot(found)];
  UNRESOLVED.push(`${fromRoot(from)} -> ${specifier}`);
  return [];
}

interface Module {
  /** Files under src/ it imports, relative to the repository. */
  files: string[];
  /** Packages it imports ("botbuilder", "@azure/identity", "node:crypto"). */
  packages: string[];
}

const MODULES = new Map<string, Module>(
  sourceFiles(SRC).map((path) => {
    const specifiers = importsOf(readFileSync(path, 'utf8'));
    const isRelative = (specifier: string) => specifier.startsWith('.');
    return [
      fromRoot(path),
      { files: specifiers.filter(isRelative).flatMap((specifier) => resolveRelative(path, specifier)), packages: specifiers.filter((specifier) => !isRelative(specifier)) },
    ];
  }),
);

const under = (folder: string) => (file: string) => file.startsWith(`src/${folder}/`);

/** "file -> import" for every import of the files in `folder` that `allowed` refuses. */
function breaches(folder: string, allowed: (imported: string) => boolean): string[] {
  return [...MODULES].filter(([file]) => under(folder)(file)).flatMap(([file, module]) => module.files.filter((imported) => !allowed(imported)).map((imported) => `${file} -> ${imported}`));
}

/** Strongly connected components of more than one file (Tarjan), each sorted. */
function importCycles(graph: Map<string, Module>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    lowLink.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const imported of graph.get(file)?.files ?? []) {
      if (!index.has(imported)) {
        visit(imported);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(imported)!));
      } else if (onStack.has(imported)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(imported)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('architecture: import rules', () => {
  it('reads every kind of import, type-only ones included, and nothing in comments or strings', () => {
    const source = [
      "import type { A } from './a';",
      "import { b } from '../b';",
      "export * from './c';",
      "export type { D } from './d';",
      "const e = require('./e');",
      "void import('./f');",
      "// import x from './commented';",
      "const text = \"from './quoted'\";",
    ].join('\n');
    assert.deepEqual(importsOf(source), ['./a', '../b', './c', './d', './e', './f']);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map<string, Module>([
      ['a', { files: ['b'], packages: [] }],
      ['b', { files: ['c'], packages: [] }],
      ['c', { files: ['a'], packages: [] }],
      ['d', { files: ['a'], packages: [] }],
    ]);
    assert.deepEqual(importCycles(graph), [['a', 'b', 'c']]);
  });

  it('resolves every relative import to a file', () => {
    assert.deepEqual(UNRESOLVED, []);
  });

  it('src/core imports only src/core and the store port', () => {
    assert.deepEqual(breaches('core', (imported) => under('core')(imported) || imported === 'src/store/port.ts'), []);
  });

  it('src/core imports no package but Node built-ins: no framework, SDK or HTTP client', () => {
    const packages = [...MODULES].filter(([file]) => under('core')(file)).flatMap(([file, module]) => module.packages.filter((name) => !name.startsWith('node:')).map((name) => `${file} -> ${name}`));
    assert.deepEqual(packages, []);
  });

  it('src/store imports only src/store: the domain depends on the store, never the other way', () => {
    assert.deepEqual(breaches('store', under('store')), []);
  });

  it('src/graph does not import the Teams edge, the store or the simulator', () => {
    assert.deepEqual(breaches('graph', (imported) => !['bot', 'store', 'simulator'].some((folder) => under(folder)(imported))), []);
  });

  it('the simulator shares only the domain model with the product', () => {
    assert.deepEqual(breaches('simulator', (imported) => under('simulator')(imported) || imported === 'src/core/model.ts'), []);
  });

  it('src/bot reaches the store through its port only, and never the simulator', () => {
    assert.deepEqual(breaches('bot', (imported) => (!under('store')(imported) || imported === 'src/store/port.ts') && !under('simulator')(imported)), []);
  });

  it('no two files in src/ import each other, directly or through others', () => {
    assert.deepEqual(importCycles(MODULES), []);
  });
});
