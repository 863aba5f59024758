// ARCHITECTURE.md §1 import rules, checked by test/architecture/import-rules.test.ts and `npx depcruise`.
// An entry lists the layers a layer may import; src/errors.ts and src/types.ts are plain kernels every
// layer may use. Changing this table is an architecture decision: record it in docs/decisions/.
const layers = {
  cli: '^cli/',
  runtime: '^src/runtime/',
  reconcile: '^src/reconcile/',
  agents: '^src/agents/',
  recovery: '^src/recovery/',
  memory: '^src/memory/',
  config: '^src/config/',
  specs: '^src/specs/',
  policy: '^src/policy/',
  tools: '^src/tools/',
  host: '^src/host/',
  controllers: '^controllers/',
};

const allowed = {
  cli: ['runtime', 'reconcile', 'agents', 'recovery', 'memory', 'config', 'policy', 'specs', 'tools', 'host'],
  runtime: ['reconcile', 'agents', 'recovery', 'memory', 'config', 'policy', 'specs', 'tools', 'host'],
  reconcile: ['controllers', 'specs', 'policy', 'tools', 'recovery', 'memory', 'config', 'host'],
  agents: ['tools', 'policy', 'memory', 'config', 'host'],
  recovery: ['memory', 'config', 'host'],
  specs: ['controllers', 'config', 'tools', 'host'],
  controllers: ['tools', 'host', 'policy'],
  tools: ['host', 'policy'],
  policy: ['config', 'host'],
  memory: [],
  config: [],
  host: [],
};

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'import cycles make load order fragile and layers meaningless',
    from: {},
    to: { circular: true },
  },
  {
    name: 'no-cli-from-engine',
    severity: 'error',
    comment: 'nothing in src/ or controllers/ imports cli/',
    from: { path: '^(src|controllers)/' },
    to: { path: '^cli/' },
  },
];

for (const [layer, from] of Object.entries(layers)) {
  const ok = new Set([layer, ...allowed[layer]]);
  const banned = Object.entries(layers)
    .filter(([name]) => !ok.has(name))
    .map(([, re]) => re);
  if (banned.length === 0) continue;
  forbidden.push({
    name: `layer-${layer}`,
    severity: 'error',
    comment: `${layer} may import only: ${[...ok].join(', ')} (ARCHITECTURE.md §1)`,
    from: { path: from },
    to: { path: banned.join('|') },
  });
}

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  },
};
