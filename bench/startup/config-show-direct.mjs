// `aios config show` without the CLI shell: imports the built command module and runs it, so the
// startup bench can separate the config layer's own cost from yargs and the command-history write.
const { default: run } = await import('../../dist/cli/commands/config-show.js');
const io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  isTTY: false,
  stdinTTY: false,
  color: false,
};
process.exitCode = await run({ json: process.argv.includes('--json'), color: false, verbose: false }, io);
