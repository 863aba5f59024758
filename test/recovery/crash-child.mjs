// Child process for the kill -9 tests: runs store operations from the BUILT code until killed.
// argv: mode (snapshot-loop | restore) storeDir root [snapshotId]
const [mode, storeDir, root, id] = process.argv.slice(2);
const { openSnapshotStore } = await import(
  new URL('../../dist/src/recovery/snapshot-store.js', import.meta.url).href
);
const maxSnapshots = mode === 'churn' ? 1 : 3;
const store = openSnapshotStore({ storeDir, root, paths: ['/etc'], retention: { maxSnapshots } });
process.stdout.write('ready\n');
if (mode === 'snapshot-loop') {
  for (;;) {
    const s = await store.snapshot({ kind: 'scheduled' });
    process.stdout.write(`snapshot ${s.id}\n`);
  }
} else if (mode === 'churn') {
  // Every snapshot expires the previous one: retention, sweep and pack rewrites run all the time.
  const fs = await import('node:fs');
  for (let i = 0; ; i++) {
    for (let k = 0; k < 40; k++)
      fs.writeFileSync(`${root}/etc/d${k % 20}/f${(i * 41 + k) % 800}`, `churn ${i} ${k}`);
    await store.snapshot({ kind: 'scheduled' });
    process.stdout.write(`snapshot ${i}\n`);
  }
} else if (mode === 'restore') {
  await store.restore(id);
  process.stdout.write('restored\n');
}
