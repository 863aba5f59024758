// kill -9 at random points of `aios apply`, `aios snapshot` and `aios restore` (the built CLI, real
// processes, a temp installation). After every kill: no torn or half-written file in the root (each
// managed file holds its old or its new text; only aios's known temp names may be left over), the
// snapshot store verifies, the audit chain verifies, the memory db passes PRAGMA integrity_check,
// and the next run converges. Kill points are spread over the measured length of one run.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChaosBox,
  cli,
  cliKilledAfter,
  integrity,
  makeBox,
  removeBox,
  sameTree,
  timeCli,
  treeState,
} from './chaos-box.js';
import { Rng } from './rng.js';
import { budgetMs, failureList, KILLS, report, SEED } from './scale.js';
import { checkRoot, content, FILES, filePath, rootIs, type Version, writeSpec } from './workload.js';

const boxes: ChaosBox[] = [];
beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
  process.stdout.write(`chaos kill: seed ${SEED}, ${KILLS} kills per command\n`);
});
afterAll(() => {
  for (const b of boxes.splice(0)) removeBox(b);
});

function box(name: string): ChaosBox {
  const b = makeBox(name);
  boxes.push(b);
  return b;
}

function firstLine(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' | ');
}

/** The store, the audit chain and the memory db are whole after a kill. */
function stateIsWhole(b: ChaosBox, label: string, failures: string[]): void {
  const verify = cli(b, ['snapshot', 'verify']);
  if (verify.code !== 0)
    failures.push(
      `${label}: snapshot verify exit ${verify.code}: ${firstLine(verify.stderr + verify.stdout)}`,
    );
  const audit = cli(b, ['audit', 'verify']);
  if (audit.code !== 0)
    failures.push(`${label}: audit verify exit ${audit.code}: ${firstLine(audit.stderr + audit.stdout)}`);
  const ok = integrity(b.memory);
  if (ok !== 'ok') failures.push(`${label}: memory.db integrity_check: ${ok}`);
}

/** The next apply converges the root to version v and a diff then shows nothing pending. */
function converges(b: ChaosBox, v: Version, label: string, failures: string[]): void {
  const apply = cli(b, ['apply', '--yes']);
  if (apply.code !== 0) {
    failures.push(`${label}: next apply exit ${apply.code}: ${firstLine(apply.stderr + apply.stdout)}`);
    return;
  }
  const diff = cli(b, ['diff']);
  if (diff.code !== 0)
    failures.push(`${label}: diff after the next apply exit ${diff.code}: ${firstLine(diff.stdout)}`);
  const wrong = rootIs(b, v);
  if (wrong) failures.push(`${label}: after the next apply ${wrong}`);
}

function checkAfterKill(
  b: ChaosBox,
  label: string,
  failures: string[],
  leftovers: string[],
  allowMissing = false,
): void {
  const root = checkRoot(b, allowMissing);
  for (const p of root.problems) failures.push(`${label}: ${p}`);
  leftovers.push(...root.leftovers);
  stateIsWhole(b, label, failures);
}

function spread(rng: Rng, ms: number): number {
  // A little past the end too: a kill after the last write must be just as harmless.
  return Math.round(rng.next() * ms * 1.1);
}

describe('kill -9', () => {
  it(
    'during aios apply leaves every managed file old or new, a valid store, audit chain and memory db, and the next apply converges',
    async () => {
      const b = box('apply');
      const rng = new Rng(SEED);
      const failures: string[] = [];
      const leftovers: string[] = [];
      writeSpec(b, 'A');
      const first = timeCli(b, ['apply', '--yes']);
      expect(first.result.code, first.result.stderr).toBe(0);
      writeSpec(b, 'B');
      const second = timeCli(b, ['apply', '--yes']);
      expect(second.result.code, second.result.stderr).toBe(0);
      const ms = Math.max(first.ms, second.ms);
      let current: Version = 'B';
      let survived = 0;
      let killedMidway = 0;
      for (let run = 0; run < KILLS; run++) {
        const target: Version = current === 'A' ? 'B' : 'A';
        writeSpec(b, target);
        const delay = spread(rng.fork(run), ms);
        const label = `apply run ${run} (kill after ${delay} ms, ${current}→${target})`;
        const before = failures.length;
        const r = await cliKilledAfter(b, ['apply', '--yes'], delay);
        if (r.killed) killedMidway++;
        else if (r.code !== 0)
          failures.push(`${label}: finished with exit ${r.code}: ${firstLine(r.stderr)}`);
        checkAfterKill(b, label, failures, leftovers);
        converges(b, target, label, failures);
        current = target;
        if (failures.length === before) survived++;
      }
      report({
        suite: 'kill -9 apply',
        tried: KILLS,
        survived,
        notes: `(${killedMidway} killed mid-run, one run ${Math.round(ms)} ms, ${leftovers.length} known temp files left)`,
      });
      expect(failures, failureList(failures)).toEqual([]);
    },
    budgetMs(60_000, 3_600_000),
  );

  it(
    'during aios snapshot never changes the root and leaves a store that verifies',
    async () => {
      const b = box('snapshot');
      const rng = new Rng(SEED + 1);
      const failures: string[] = [];
      const leftovers: string[] = [];
      writeSpec(b, 'A');
      expect(cli(b, ['apply', '--yes']).code).toBe(0);
      const timed = timeCli(b, ['snapshot', '-d', 'calibrate']);
      expect(timed.result.code, timed.result.stderr).toBe(0);
      let survived = 0;
      let killedMidway = 0;
      for (let run = 0; run < KILLS; run++) {
        const r0 = rng.fork(run);
        // Someone edits files between snapshots (each still a valid A or B text).
        for (let k = 0; k < 15; k++) {
          const i = r0.int(FILES);
          fs.writeFileSync(path.join(b.root, filePath(i)), content(r0.pick(['A', 'B'] as const), i));
        }
        const before = treeState(b.root);
        const delay = spread(r0, timed.ms);
        const label = `snapshot run ${run} (kill after ${delay} ms)`;
        const count = failures.length;
        const r = await cliKilledAfter(b, ['snapshot', '-d', `chaos ${run}`], delay);
        if (r.killed) killedMidway++;
        else if (r.code !== 0)
          failures.push(`${label}: finished with exit ${r.code}: ${firstLine(r.stderr)}`);
        const changed = sameTree(before, treeState(b.root));
        if (changed) failures.push(`${label}: the snapshot changed the root: ${changed}`);
        checkAfterKill(b, label, failures, leftovers);
        const again = cli(b, ['snapshot', '-d', `after kill ${run}`]);
        if (again.code !== 0)
          failures.push(`${label}: next snapshot exit ${again.code}: ${firstLine(again.stderr)}`);
        converges(b, 'A', label, failures);
        if (failures.length === count) survived++;
      }
      report({
        suite: 'kill -9 snapshot',
        tried: KILLS,
        survived,
        notes: `(${killedMidway} killed mid-run, one run ${Math.round(timed.ms)} ms)`,
      });
      expect(failures, failureList(failures)).toEqual([]);
    },
    budgetMs(60_000, 3_600_000),
  );

  it(
    'during aios restore leaves every file old or new; --resume (or a rerun) finishes it and the next apply converges',
    async () => {
      const b = box('restore');
      const rng = new Rng(SEED + 2);
      const failures: string[] = [];
      const leftovers: string[] = [];
      writeSpec(b, 'A');
      expect(cli(b, ['apply', '--yes']).code).toBe(0);
      const snap = cli(b, ['snapshot', '-d', 'version A', '--json']);
      expect(snap.code, snap.stderr).toBe(0);
      const id = (JSON.parse(snap.stdout) as { id: string }).id;
      writeSpec(b, 'B');
      expect(cli(b, ['apply', '--yes']).code).toBe(0);
      const timed = timeCli(b, ['restore', id]);
      expect(timed.result.code, timed.result.stderr).toBe(0);
      expect(rootIs(b, 'A')).toBeUndefined();
      // A snapshot holds the specs dir too: the restore brought spec A back. Back to B for the runs.
      writeSpec(b, 'B');
      expect(cli(b, ['apply', '--yes']).code).toBe(0);
      expect(rootIs(b, 'B')).toBeUndefined();
      let survived = 0;
      let killedMidway = 0;
      let resumed = 0;
      for (let run = 0; run < KILLS; run++) {
        const delay = spread(rng.fork(run), timed.ms);
        const label = `restore run ${run} (kill after ${delay} ms)`;
        const count = failures.length;
        const r = await cliKilledAfter(b, ['restore', id], delay);
        if (r.killed) killedMidway++;
        else if (r.code !== 0)
          failures.push(`${label}: finished with exit ${r.code}: ${firstLine(r.stderr)}`);
        checkAfterKill(b, label, failures, leftovers);
        const resume = cli(b, ['restore', '--resume', '--json']);
        if (resume.code !== 0)
          failures.push(`${label}: restore --resume exit ${resume.code}: ${firstLine(resume.stderr)}`);
        else if (!resume.stdout.includes('"resumed": null')) resumed++;
        // Whether or not there was something to resume, restoring again must reach version A exactly.
        const again = cli(b, ['restore', id]);
        if (again.code !== 0)
          failures.push(`${label}: restore again exit ${again.code}: ${firstLine(again.stderr)}`);
        const notA = rootIs(b, 'A');
        if (notA) failures.push(`${label}: after finishing the restore ${notA}`);
        stateIsWhole(b, `${label} (after finishing)`, failures);
        writeSpec(b, 'B');
        converges(b, 'B', label, failures);
        if (failures.length === count) survived++;
      }
      report({
        suite: 'kill -9 restore',
        tried: KILLS,
        survived,
        notes: `(${killedMidway} killed mid-run, ${resumed} finished by --resume, one run ${Math.round(timed.ms)} ms)`,
      });
      expect(failures, failureList(failures)).toEqual([]);
    },
    budgetMs(90_000, 3_600_000),
  );
});
