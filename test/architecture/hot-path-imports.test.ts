// Decision 172: `aios apply`/`aios diff` with cached specs must not load zod, smol-toml or node-cron.
// This walks the static import graph of the TypeScript sources (as Node and the bundler see it:
// `import type` is erased, `import()` is not followed) from the runtime controllers, the registry
// and the spec loader, and names the import chain of any package that must stay off that path.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SLOW_PACKAGES = ['zod', 'smol-toml', 'node-cron'];

interface Edge {
  specifier: string;
  dynamic: boolean;
}

/** Imports and re-exports of one module that survive compilation (type-only ones do not). */
function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // verbatimModuleSyntax keeps `import { type A } from 'x'` as `import {} from 'x'`: only
      // `import type` is erased.
      if (!node.importClause?.isTypeOnly)
        edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) edges.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      edges.push({ specifier: node.arguments[0].text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** npm package of a bare specifier ("zod", "@scope/x/sub" → "@scope/x"); undefined for node: builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * Every package reachable from `roots` (repo-relative), with the chain of modules that reaches it.
 * `followDynamic`: also follow `import()` (what a run may load later, not at start-up).
 */
function reachablePackages(roots: string[], followDynamic = false): Map<string, string[]> {
  const via = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const queue: string[] = [];
  for (const r of roots) {
    const abs = path.join(repo, r);
    via.set(abs, [r]);
    queue.push(abs);
  }
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const chain = via.get(file) as string[];
    for (const edge of importsOf(file)) {
      if (edge.dynamic && !followDynamic) continue;
      if (edge.specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), edge.specifier).replace(/\.js$/, '.ts');
        if (!via.has(target) && fs.existsSync(target)) {
          via.set(target, [...chain, path.relative(repo, target)]);
          queue.push(target);
        }
        continue;
      }
      const pkg = packageOf(edge.specifier);
      if (pkg && !packages.has(pkg)) packages.set(pkg, [...chain, pkg]);
    }
  }
  return packages;
}

/** The chains that reach a package that must stay off the hot path, as readable lines. */
function offenders(packages: Map<string, string[]>): string[] {
  return SLOW_PACKAGES.filter((p) => packages.has(p)).map((p) => (packages.get(p) as string[]).join(' -> '));
}

const runtimeControllers = fs
  .readdirSync(path.join(repo, 'controllers'))
  .filter((f) => f.endsWith('-controller.ts'))
  .map((f) => `controllers/${f}`);

describe('the apply hot path (decision 172)', () => {
  it('has a runtime controller module for every kind it checks', () => {
    expect(runtimeControllers).toContain('controllers/file-controller.ts');
    expect(runtimeControllers).toContain('controllers/cron-controller.ts');
    expect(runtimeControllers.length).toBeGreaterThanOrEqual(11);
  });

  it('loads neither zod, smol-toml nor node-cron from the runtime controllers or the registry', () => {
    expect(offenders(reachablePackages(['controllers/registry.ts', ...runtimeControllers]))).toEqual([]);
  });

  it('loads them from the spec loader only through a dynamic import', () => {
    expect(offenders(reachablePackages(['src/specs/load-specs.ts']))).toEqual([]);
    // ... and the loader does reach them that way: the check above walks real edges.
    const later = reachablePackages(['src/specs/load-specs.ts'], true);
    expect(SLOW_PACKAGES.filter((p) => later.has(p))).toEqual(SLOW_PACKAGES);
  });

  it('finds zod and node-cron behind the schema lookup, so the walk would catch a controller importing one', () => {
    const packages = reachablePackages(['controllers/spec-schemas.ts']);
    expect(packages.get('zod')).toEqual(expect.arrayContaining(['controllers/spec-schemas.ts', 'zod']));
    expect(packages.get('node-cron')).toEqual([
      'controllers/spec-schemas.ts',
      'controllers/cron-schema.ts',
      'node-cron',
    ]);
  });
});
