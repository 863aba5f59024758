#!/usr/bin/env node
// The `aios-runtime` daemon entry point (part 5).
process.stderr.write('aios-runtime: the daemon is not available yet (part 5: the daemon)\n');
process.exitCode = 1;
