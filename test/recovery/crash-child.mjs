// Child process for the kill -9 tests: runs store operations from the BUILT code until killed.
// argv: mode (snapshot-loop | restore) storeDir root [snapshotId]
const [mode, storeDir, root, id] = process.argv.slice(2);
const { openSnapshotStore } = await import(
  new URL('../../dist/src/recovery/snapshot-store.js', import.meta.url).href
);
const store = openSnapshotStore({ storeDir, root, paths: ['/etc'], retention: { maxSnapshots: 3 } });
process.stdout.write('ready\n');
if (mode === 'snapshot-loop') {
  for (;;) {
    const s = await store.snapshot({ kind: 'scheduled' });
    process.stdout.write(`snapshot ${s.id}\n`);
  }
} else if (mode === 'restore') {
  await store.restore(id);
  process.stdout.write('restored\n');
}
