// Planted secrets must never leave: an API key in the environment, another in the config's api_key,
// the contents of a `sensitive = true` file, and a password printed by a command (tool output). The
// built CLI applies, diffs, snapshots, lists and searches with --json, a daemon repairs drift of the
// sensitive file; then the bytes of memory.db (+ WAL), the daemon log, the snapshot store's index
// (not its object packs: a sensitive file's contents there are the backup itself) and every --json
// output are scanned for each secret. The exec command runs on the host (not chrooted): it writes
// only under $AIOS_ROOT.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from '../runtime/daemon-harness.js';
import { type ChaosBox, cli, makeBox, removeBox } from './chaos-box.js';
import { report } from './scale.js';

const hex = () => randomBytes(12).toString('hex');
const SECRETS = {
  env: `sk-chaosENV${hex()}`,
  config: `sk-chaosCFG${hex()}`,
  file: `chaos-sensitive-${hex()}`,
  tool: `chaosPW${hex()}`,
};

let b: ChaosBox;
beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
  b = makeBox('secrets', {
    env: { OPENAI_API_KEY: SECRETS.env, ANTHROPIC_API_KEY: SECRETS.env },
    tail: `[llm]\ndefault_provider = "openai"\n[llm.openai]\napi_key = "${SECRETS.config}"\n[runtime]\ndebounce_ms = 5\n`,
  });
});
afterAll(() => removeBox(b));

/** Every file under dir whose bytes hold one of the secrets. */
function leaksIn(dir: string, skip: (rel: string) => boolean): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, rel);
    if (skip(rel) || !fs.statSync(full).isFile()) continue;
    const bytes = fs.readFileSync(full);
    for (const [what, s] of Object.entries(SECRETS))
      if (bytes.includes(s)) out.push(`${what} secret in ${full}`);
  }
  return out;
}

/**
 * Leaks this suite found that are not fixed yet: reported (not survived) but not failing CI. Remove
 * an entry when its fix lands; the suite then guards it.
 */
const KNOWN_LEAKS: { re: RegExp; note: string }[] = [];

function leaksInText(label: string, text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, s]) => text.includes(s))
    .map(([what]) => `${what} secret in ${label}`);
}

describe('planted secrets', () => {
  it('never reach memory.db, the daemon log, snapshot metadata or --json output', async () => {
    fs.writeFileSync(
      path.join(b.specs, 'secrets.toml'),
      `[[file]]\npath = "/etc/app.key"\ncontent = "${SECRETS.file}\\n"\nmode = "0600"\nsensitive = true\n\n` +
        `[[file]]\npath = "/etc/app.conf"\ncontent = "plain\\n"\n\n` +
        `[[exec]]\nname = "print-secrets"\ncommand = "cat \\"$AIOS_ROOT/etc/pw.txt\\"; echo key=$OPENAI_API_KEY; touch \\"$AIOS_ROOT/etc/done\\""\ncreates = "/etc/done"\n`,
    );
    // The tool-output secret exists only in a file the command prints, never in a spec or argument.
    fs.writeFileSync(path.join(b.root, 'etc/pw.txt'), `db_password=${SECRETS.tool}\n`);
    const outputs: [string, string][] = [];
    const run = (args: string[]) => {
      const r = cli(b, args);
      outputs.push([`aios ${args.join(' ')}`, r.stdout + r.stderr]);
      return r;
    };
    expect(run(['diff', '--json']).code).toBe(2);
    const apply = run(['apply', '--yes', '--json']);
    expect(apply.code, apply.stderr + apply.stdout.slice(0, 2000)).toBe(0);
    expect(fs.readFileSync(path.join(b.root, 'etc/app.key'), 'utf8')).toBe(`${SECRETS.file}\n`);
    fs.writeFileSync(path.join(b.root, 'etc/app.key'), 'drifted\n');
    expect(run(['diff', '--json']).code).toBe(2);
    expect(run(['apply', '--yes', '--json']).code).toBe(0);
    expect(run(['snapshot', '-d', 'secrets', '--json']).code).toBe(0);
    for (const args of [
      ['snapshots', '--json'],
      ['history', '--json'],
      ['search', 'chaos', '--json'],
      ['search', 'password', '--json'],
      ['config', 'show', '--json'],
      ['info', '--json'],
      ['audit', 'verify', '--json'],
    ]) {
      const r = run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }

    // The daemon repairs drift of the sensitive file; its log is scanned too.
    const daemon = await DaemonProcess.start(b.config, b.env);
    try {
      fs.writeFileSync(path.join(b.root, 'etc/app.key'), 'drifted again\n');
      await daemon.until(
        'drift repaired',
        () => fs.readFileSync(path.join(b.root, 'etc/app.key'), 'utf8') === `${SECRETS.file}\n`,
        20_000,
      );
      const status = run(['status', '--json']);
      expect(status.code).toBe(0);
      const viaDaemon = run(['diff', '--json']);
      expect(viaDaemon.code).toBe(0);
    } finally {
      await daemon.kill();
    }

    const leaks = [
      ...leaksIn(
        b.data,
        (rel) => rel.startsWith(`snapshots${path.sep}packs`) || rel.startsWith(`snapshots${path.sep}objects`),
      ),
      ...leaksInText('the daemon log', daemon.log),
      ...outputs.flatMap(([label, text]) => leaksInText(label, text)),
    ];
    // The memory db really was written (so the scan above looked at something).
    expect(fs.statSync(b.memory).size).toBeGreaterThan(0);
    const known = leaks.filter((l) => KNOWN_LEAKS.some((k) => k.re.test(l)));
    const unknown = leaks.filter((l) => !known.includes(l));
    const notes = KNOWN_LEAKS.filter((k) => known.some((l) => k.re.test(l))).map(
      (k) => `; KNOWN LEAK: ${k.note}`,
    );
    report({
      suite: 'secrets (env, config, sensitive file, tool output)',
      tried: 4,
      survived: 4 - new Set(leaks.map((l) => l.split(' ')[0])).size,
      notes: `(${outputs.length} --json/command outputs, memory.db + WAL, store index, daemon log scanned)${notes.join('')}`,
    });
    expect(unknown).toEqual([]);
  }, 60_000);
});
