import { describe, expect, it } from 'vitest';
import { cronController, cronFileContent } from '../../controllers/cron-controller.js';
import { cronSchema, scheduleProblem } from '../../controllers/cron-schema.js';

const issues = (raw: Record<string, unknown>) =>
  (cronSchema.safeParse(raw).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
const base = { name: 'job', schedule: '0 3 * * *', command: '/usr/bin/true' };

describe('cron schedules', () => {
  it('accepts five fields, names and the cron.d nicknames', () => {
    for (const s of ['*/5 * * * *', '0 3 * * mon-fri', '15 1 1,15 jan *', '@daily', '@reboot', '@annually']) {
      expect(scheduleProblem(s), s).toBeUndefined();
    }
  });

  it('names the bad field, the field count, or the unknown nickname', () => {
    expect(scheduleProblem('61 * * * *')).toMatch(/61 is a invalid expression for minute/);
    expect(scheduleProblem('0 25 * * *')).toMatch(/hour/);
    expect(scheduleProblem('* * *')).toMatch(/5 fields .* got 3/);
    // node-cron's optional seconds field does not exist in /etc/cron.d.
    expect(scheduleProblem('0 0 3 * * *')).toMatch(/got 6/);
    expect(scheduleProblem('@fortnightly')).toMatch(/unknown schedule "@fortnightly"/);
    expect(scheduleProblem('*/0 * * * *')).toBeDefined();
  });

  it('refuses syntax node-cron knows but Debian cron does not', () => {
    expect(scheduleProblem('0 0 L * *')).toMatch(/"L" in the day-of-month field is not cron syntax/);
    expect(scheduleProblem('0 0 ? * MON')).toMatch(/"\?" in the day-of-month field/);
    expect(scheduleProblem('0 0 * * monday')).toMatch(/"monday" in the day-of-week field/);
    expect(scheduleProblem('0 0 * mon *')).toMatch(/"mon" in the month field/);
    for (const s of [
      '0 */2 * * 1-5',
      '5 4 * * sun',
      '0 0 1 */3 *',
      '0-59/15 * * * *',
      '0 0 * * 7',
      '0 12 * JAN,JUL *',
    ]) {
      expect(scheduleProblem(s), s).toBeUndefined();
    }
  });

  it('reports a bad schedule as a spec error on the schedule field', () => {
    expect(issues({ ...base, schedule: '0 3 * *' })).toEqual([
      'schedule: a cron schedule has 5 fields (minute hour day-of-month month day-of-week), got 4: "0 3 * *"',
    ]);
  });
});

describe('cron schema', () => {
  it('refuses file names cron would ignore', () => {
    expect(issues({ ...base, name: 'backup.sh' })[0]).toMatch(/^name: .*dots/);
  });

  it('refuses an unescaped percent sign and multi-line commands', () => {
    expect(issues({ ...base, command: 'date +%F > /tmp/d' })[0]).toMatch(/unescaped %/);
    expect(issues({ ...base, command: 'date +\\%F > /tmp/d' })).toEqual([]);
    expect(issues({ ...base, command: 'a\nb' })[0]).toMatch(/one line/);
  });

  it('needs only a name for an absent job, and a schedule and command for a present one', () => {
    expect(issues({ name: 'old', state: 'absent' })).toEqual([]);
    expect(issues({ name: 'job' })).toEqual([
      'schedule: a cron job needs a schedule',
      'command: a cron job needs a command',
    ]);
  });

  it('defaults the user to root and accepts environment as KEY=value lines', () => {
    const spec = cronSchema.parse({ ...base, environment: ['MAILTO=""', 'A=1'] });
    expect(spec.user).toBe('root');
    expect(cronFileContent(spec).split('\n').slice(1)).toEqual([
      'MAILTO=""',
      'A=1',
      '0 3 * * * root /usr/bin/true',
      '',
    ]);
    expect(issues({ ...base, environment: ['not an assignment'] })[0]).toMatch(/KEY=value/);
    expect(issues({ ...base, environment: { A: 'x\ny' } })[0]).toMatch(/one line/);
  });
});

describe('cron file', () => {
  it('generates the same bytes for the same spec, whitespace in the schedule normalized', () => {
    const a = cronSchema.parse({ ...base, schedule: ' 0  3 * * * ' });
    const b = cronSchema.parse(base);
    expect(cronFileContent(a)).toBe(cronFileContent(b));
    expect(cronFileContent(a)).toBe(
      '# Managed by aios (cron:job); local edits are overwritten.\n0 3 * * * root /usr/bin/true\n',
    );
  });

  it('plans a root-owned 0644 file in /etc/cron.d', () => {
    const spec = cronSchema.parse(base);
    const actions = cronController.plan(
      cronController.diff(spec, { path: '/etc/cron.d/job', type: 'missing' }),
      spec,
      { path: '/etc/cron.d/job', type: 'missing' },
    );
    expect(actions).toEqual([
      {
        tool: 'write_file',
        args: {
          path: '/etc/cron.d/job',
          content: cronFileContent(spec),
          mode: '0644',
          owner: '0',
          group: '0',
        },
        resource: 'cron:job',
        reason: 'create the file',
      },
    ]);
  });

  it('requires /etc/cron.d, the cron package and a non-root user', () => {
    const spec = cronSchema.parse({ ...base, user: 'backup' });
    expect(cronController.implicitRequires?.(spec)).toEqual([
      'directory:/etc/cron.d',
      'package:cron',
      'user:backup',
    ]);
  });
});
