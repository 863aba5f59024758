// `aios search` end to end through the built CLI: a temp config with `[llm] embedding_model`, the
// loopback fake OpenAI server's /v1/embeddings via OPENAI_BASE_URL, memory seeded in a temp db.
// Children are spawned asynchronously: the fake server lives in this process and must answer.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openMemory } from '../../../src/memory/memory-store.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { ensureBuilt } from '../../memory/built.js';
import { AIOS, DaemonProcess, isolatedEnv, makeSandbox, type Sandbox } from '../../runtime/daemon-harness.js';

const KEY = 'sk-test-search-e2e-0123456789';
let box: Sandbox | undefined;
let server: FakeServer | undefined;
let daemon: DaemonProcess | undefined;

beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  daemon?.signal('SIGTERM');
  await daemon?.exited();
  daemon = undefined;
  await server?.close();
  server = undefined;
  if (box) fs.rmSync(box.dir, { recursive: true, force: true });
  box = undefined;
});

async function sandbox(llm = ''): Promise<Sandbox> {
  box = await makeSandbox('aios-search-e2e-', { tail: llm });
  const mem = openMemory(path.join(box.dir, 'memory.db'));
  const s = mem.createSession({ title: 'nginx trouble' });
  mem.addMessage({ sessionId: s, role: 'user', content: 'why does nginx keep restarting' });
  mem.addMessage({ sessionId: s, role: 'assistant', content: 'the disk under /var is full' });
  mem.recordCommand({ argv: ['systemctl', 'status', 'nginx'] });
  mem.close();
  return box;
}

const embeddingModel = (model = 'text-embedding-3-small') => `[llm]\nembedding_model = "${model}"\n`;

function aios(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const b = box as Sandbox;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AIOS, ...args, '--config', b.config], {
      env: isolatedEnv(b.dir, { AIOS_NO_DAEMON: '1', OPENAI_API_KEY: KEY, ...env }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

interface JsonResult {
  mode: string;
  reason?: string;
  model?: string;
  notices: string[];
  hits: { kind: string; id: number; source: string; snippet: string }[];
}

async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('aios search', () => {
  it('merges full-text and vector hits from the embedding server and marks each source', async () => {
    await sandbox(embeddingModel());
    server = await startFakeOpenAI([]);
    const r = await aios(['search', 'nginx restarts', '--json'], { OPENAI_BASE_URL: server.url });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as JsonResult;
    expect(json.mode).toBe('hybrid');
    expect(json.model).toBe('text-embedding-3-small');
    expect(json.reason).toBeUndefined();
    expect(json.notices).toEqual([
      'vector index created for embedding model text-embedding-3-small (64 dimensions)',
    ]);
    // Full text needs "restarts" verbatim and finds nothing; the vectors find both nginx rows.
    expect(json.hits.map((h) => [h.kind, h.source])).toEqual([
      ['chat', 'vector'],
      ['command', 'vector'],
    ]);
    expect(json.hits[0]?.snippet).toBe('user: why does [nginx] keep restarting');
    expect(server.requests.some((q) => q.path.endsWith('/embeddings'))).toBe(true);
    expect(r.err).toBe('vector index created for embedding model text-embedding-3-small (64 dimensions)\n');

    // A word both searches know: found by both, ranked first, shown with its source.
    const text = await aios(['search', 'nginx'], { OPENAI_BASE_URL: server.url });
    expect(text.code).toBe(0);
    expect(text.err).toBe('');
    const lines = text.out.trim().split('\n');
    expect(lines[0]).toMatch(/ both +.*\[nginx\]/);
    expect(lines.every((l) => / (both|fts|vector) {1,3}/.test(l))).toBe(true);

    // The key the embedder used is nowhere in memory.db (vectors, keys, meta, WAL).
    for (const suffix of ['', '-wal']) {
      const file = path.join(box?.dir ?? '', `memory.db${suffix}`);
      if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(KEY)).toBe(false);
    }
  });

  it('says on stderr that search is full-text only without an embedding model, and exits 0', async () => {
    await sandbox();
    const r = await aios(['search', 'nginx', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('semantic search off: no [llm] embedding_model; full-text only\n');
    const json = JSON.parse(r.out) as JsonResult;
    expect(json.mode).toBe('fulltext');
    expect(json.hits.length).toBe(2);
    expect(json.hits.every((h) => h.source === 'fts')).toBe(true);
  });

  it('falls back to full text with a one-line warning when the embedding server is unreachable', async () => {
    await sandbox(embeddingModel());
    const port = await deadPort();
    const r = await aios(['search', 'systemctl'], { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` });
    expect(r.code).toBe(0);
    const warning = r.err.trim().split('\n');
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(
      /^semantic search unavailable \(embedding model text-embedding-3-small: .*\); full-text only$/,
    );
    expect(r.err).not.toContain(KEY);
    expect(r.out).toMatch(/command#\d+ +fts +\[systemctl\] status nginx/);
  });

  it('re-creates the index when the configured embedding model changes, and says so', async () => {
    const b = await sandbox(embeddingModel('model-one'));
    server = await startFakeOpenAI([]);
    const first = await aios(['search', 'disk', '--json'], { OPENAI_BASE_URL: server.url });
    expect((JSON.parse(first.out) as JsonResult).mode).toBe('hybrid');
    fs.writeFileSync(b.config, fs.readFileSync(b.config, 'utf8').replace('model-one', 'model-two'));
    const second = await aios(['search', 'disk', '--json'], { OPENAI_BASE_URL: server.url });
    expect(second.code).toBe(0);
    expect(second.err).toContain(
      'embedding model changed from model-one to model-two: vector index re-created, every row will be embedded again',
    );
    const json = JSON.parse(second.out) as JsonResult;
    expect(json).toMatchObject({ mode: 'hybrid', model: 'model-two' });
    expect(json.hits[0]).toMatchObject({ kind: 'chat', source: 'both' });
    const models = server.requests.map((q) => (q.body as { model?: string }).model);
    expect(models).toContain('model-one');
    expect(models).toContain('model-two');
  });

  it('searches through the daemon with its embedding settings when one runs', async () => {
    const b = await sandbox(embeddingModel());
    server = await startFakeOpenAI([]);
    daemon = await DaemonProcess.start(
      b.config,
      isolatedEnv(b.dir, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }),
    );
    // This CLI has no key of its own: only the daemon can embed, so a hybrid answer came from it.
    const r = await aios(['search', 'nginx restarts', '--json'], { AIOS_NO_DAEMON: '', OPENAI_API_KEY: '' });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as JsonResult;
    expect(json.mode).toBe('hybrid');
    expect(json.hits.map((h) => h.source)).toEqual(['vector', 'vector']);
    // The index was created by this search or, a moment after start, by the daemon's own indexer.
    expect(`${r.err}\n${daemon.log}`).toContain(
      'vector index created for embedding model text-embedding-3-small',
    );
  });

  it('indexes new rows in the daemon without waiting for a search', async () => {
    const b = await sandbox(embeddingModel());
    server = await startFakeOpenAI([]);
    daemon = await DaemonProcess.start(
      b.config,
      isolatedEnv(b.dir, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }),
    );
    const d = daemon;
    await d.until('the seeded rows have vectors', () => {
      const mem = openMemory(path.join(b.dir, 'memory.db'));
      try {
        const status = mem.vectorStatus('text-embedding-3-small');
        return status.vectors >= 3 && (status.pending ?? 0) === 0;
      } finally {
        mem.close();
      }
    });
    expect(server.requests.some((q) => q.path.endsWith('/embeddings'))).toBe(true);
    expect(fs.readFileSync(path.join(b.dir, 'memory.db')).includes(Buffer.from(KEY))).toBe(false);
  });
});
