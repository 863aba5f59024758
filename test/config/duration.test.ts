import { describe, expect, it } from 'vitest';
import { isDuration, parseDuration, parseSchedule } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    [' 5m ', 300_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '15', 'm', '1.5h', '30m1h', '1h1h', '0s', '-5m', '5 m', '5min'])(
    'rejects %j with a message naming the value',
    (text) => {
      expect(() => parseDuration(text)).toThrow(text.trim() === '' ? /empty/ : /duration|units|zero/);
      expect(isDuration(text)).toBe(false);
    },
  );
});

describe('parseSchedule', () => {
  it('maps the named schedules to cron', () => {
    expect(parseSchedule('hourly')).toEqual({ cron: '0 * * * *', everyMs: 3_600_000 });
    expect(parseSchedule('daily').cron).toBe('0 0 * * *');
    expect(parseSchedule('weekly').cron).toBe('0 0 * * 0');
    expect(parseSchedule('Daily').cron).toBe('0 0 * * *');
  });

  it('turns durations that divide a minute, an hour or a day into even cron steps', () => {
    expect(parseSchedule('15m')).toEqual({ cron: '*/15 * * * *', everyMs: 900_000 });
    expect(parseSchedule('2h').cron).toBe('0 */2 * * *');
    expect(parseSchedule('1h').cron).toBe('0 * * * *');
    expect(parseSchedule('30s').cron).toBe('*/30 * * * * *');
    expect(parseSchedule('1d').cron).toBe('0 0 * * *');
    expect(parseSchedule('1m').cron).toBe('* * * * *');
  });

  it('refuses durations cron cannot repeat evenly, saying what to use instead', () => {
    expect(() => parseSchedule('7m')).toThrow(/even intervals/);
    expect(() => parseSchedule('1h30m')).toThrow(/even intervals/);
    expect(() => parseSchedule('5h')).toThrow(/even intervals/);
  });

  it('accepts 5- and 6-field cron expressions and @-shortcuts that node-cron validates', () => {
    expect(parseSchedule('*/5 * * * *')).toEqual({ cron: '*/5 * * * *' });
    expect(parseSchedule('0 30 2 * * 1-5')).toEqual({ cron: '0 30 2 * * 1-5' });
    expect(parseSchedule('@daily')).toEqual({ cron: '@daily' });
  });

  it('rejects invalid cron with node-cron reason', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow(/not a valid cron expression: 61/);
    expect(() => parseSchedule('* * *')).toThrow(/not a schedule/);
    expect(() => parseSchedule('sometimes')).toThrow(/not a schedule/);
  });
});
