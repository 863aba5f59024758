// Prints vitest's JSON report as one plain closing line: "N passed, N failed[, N skipped]".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
let line = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
if (skipped > 0) line += `, ${skipped} skipped`;
console.log(line);
