// System-controller benchmark: observe + diff for N package, user, group and service resources, and
// the apply cost of the shadow tools. Read-only on this machine (packages: the real dpkg database
// of "/"); everything that writes works in a temp root. Uses the compiled code (dist/), so build
// first. Run: npx tsc -p tsconfig.build.json && node bench/system-controllers/observe-bench.mjs [--n 100]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { groupController } from '../../dist/controllers/group-controller.js';
import { packageController } from '../../dist/controllers/package-controller.js';
import { serviceController } from '../../dist/controllers/service-controller.js';
import { specSchemaFor } from '../../dist/controllers/spec-schemas.js';
import { userController } from '../../dist/controllers/user-controller.js';
import { spawnRunner } from '../../dist/src/host/process-runner.js';
import { RootPath } from '../../dist/src/host/root-path.js';
import { addUser } from '../../dist/src/host/users.js';

const argv = process.argv.slice(2);
const N = Number(argv[argv.indexOf('--n') + 1] || 100);
const ms = (t) => `${(performance.now() - t).toFixed(1)} ms`;

async function observeAll(controller, specs, ctx) {
  let changed = 0;
  await Promise.all(
    specs.map(async (raw) => {
      const spec = specSchemaFor(controller.kind).parse(raw);
      const observed = await controller.observe(spec, ctx);
      if (controller.diff(spec, observed).length > 0) changed++;
    }),
  );
  return changed;
}

// Counting runner: how many processes did observe really start?
let processes = 0;
const runner = (cmd, opts) => {
  processes++;
  return spawnRunner(cmd, opts);
};

// Packages: the first N installed packages of this machine, read-only.
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
const names = spawnSync('dpkg-query', ['-W', '-f', '${Package}\n'], { encoding: 'utf8' })
  .stdout.split('\n')
  .filter(Boolean)
  .slice(0, N);
const hostCtx = { root: new RootPath('/'), runner, specDir: '/' };
let t = performance.now();
processes = 0;
let changed = await observeAll(
  packageController,
  names.map((name) => ({ name })),
  hostCtx,
);
console.log(
  `package  observe+diff ${names.length} (cold): ${ms(t)}, ${processes} process(es), ${changed} not converged`,
);
t = performance.now();
processes = 0;
changed = await observeAll(
  packageController,
  names.map((name) => ({ name })),
  hostCtx,
);
console.log(`package  observe+diff ${names.length} (warm): ${ms(t)}, ${processes} process(es)`);

// Users and groups: N of each in a temp root's passwd/group.
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-sys-'));
try {
  const etc = path.join(base, 'etc');
  fs.mkdirSync(path.join(etc, 'default'), { recursive: true });
  fs.mkdirSync(path.join(etc, 'skel'));
  const users = Array.from({ length: N }, (_, i) => `u${i}`);
  fs.writeFileSync(
    path.join(etc, 'passwd'),
    [
      'root:x:0:0:root:/root:/bin/bash',
      ...users.map((u, i) => `${u}:x:${2000 + i}:${2000 + i}::/home/${u}:/bin/sh`),
    ].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(etc, 'group'),
    ['root:x:0:', ...users.map((u, i) => `${u}:x:${2000 + i}:`)].join('\n') + '\n',
  );
  fs.writeFileSync(path.join(etc, 'shadow'), 'root:*:19000:0:99999:7:::\n');
  fs.writeFileSync(path.join(etc, 'gshadow'), 'root:*::\n');
  fs.writeFileSync(
    path.join(etc, 'login.defs'),
    'UID_MIN 1000\nUID_MAX 60000\nGID_MIN 1000\nGID_MAX 60000\nUSERGROUPS_ENAB yes\n',
  );
  const ctx = { root: new RootPath(base), runner, specDir: base };
  t = performance.now();
  processes = 0;
  changed = await observeAll(
    userController,
    users.map((name) => ({ name, shell: '/bin/sh' })),
    ctx,
  );
  console.log(`user     observe+diff ${N}: ${ms(t)}, ${processes} process(es), ${changed} not converged`);
  t = performance.now();
  changed = await observeAll(
    groupController,
    users.map((name, i) => ({ name, gid: 2000 + i })),
    ctx,
  );
  console.log(`group    observe+diff ${N}: ${ms(t)}, ${changed} not converged`);

  // Apply cost: useradd --root, sequential (the tools lock the account files).
  const adds = Math.min(N, 50);
  t = performance.now();
  for (let i = 0; i < adds; i++) await addUser(ctx.root, spawnRunner, `new${i}`, { uid: 10000 + i });
  console.log(
    `user     useradd --root x${adds} (sequential): ${ms(t)} (${((performance.now() - t) / adds).toFixed(1)} ms each)`,
  );

  // Services: N unit files, enablement read with systemctl --root (one process each).
  const units = path.join(base, 'etc/systemd/system');
  fs.mkdirSync(units, { recursive: true });
  for (let i = 0; i < N; i++) {
    fs.writeFileSync(
      path.join(units, `s${i}.service`),
      '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
    );
  }
  t = performance.now();
  processes = 0;
  changed = await observeAll(
    serviceController,
    Array.from({ length: N }, (_, i) => ({ name: `s${i}`, enabled: false })),
    ctx,
  );
  console.log(
    `service  observe+diff ${N} (enabled only): ${ms(t)}, ${processes} process(es), ${changed} not converged`,
  );
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
