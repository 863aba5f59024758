// `aios doctor`'s rules for paths (pure, from stat facts) and its provider probe against a loopback
// HTTP server: what is ok, warn or fail, and that an API key never appears in what it reports.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  judgeConfigSecret,
  judgePath,
  type PathExpectation,
  type StatFacts,
} from '../../cli/doctor-perms.js';
import { isProbe, type ProviderProbe, probeProvider, providerProbes } from '../../cli/doctor-provider.js';
import { execStartScript } from '../../cli/doctor-service.js';
import { configSchema } from '../../src/config/schema.js';

const dataDir: PathExpectation = {
  label: 'data dir',
  path: '/var/lib/aios',
  kind: 'dir',
  role: 'private',
  required: false,
};
const specsDir: PathExpectation = {
  label: 'specs dir',
  path: '/etc/aios/specs',
  kind: 'dir',
  role: 'input',
  required: false,
};
const configFile: PathExpectation = {
  label: 'config file',
  path: '/etc/aios/config.toml',
  kind: 'file',
  role: 'input',
  required: true,
};
const dir = (mode: number, uid = 0): StatFacts => ({
  isFile: false,
  isDirectory: true,
  mode: 0o040000 | mode,
  uid,
});
const file = (mode: number, uid = 0): StatFacts => ({
  isFile: true,
  isDirectory: false,
  mode: 0o100000 | mode,
  uid,
});

describe('doctor path rules', () => {
  it('passes the modes aios init makes', () => {
    expect(judgePath(dataDir, dir(0o750), 0).status).toBe('ok');
    expect(judgePath(specsDir, dir(0o755), 0).status).toBe('ok');
    expect(judgePath(configFile, file(0o644), 0).status).toBe('ok');
    expect(judgePath(configFile, file(0o600, 1000), 1000).status).toBe('ok');
  });

  it('fails a world-writable data dir or config and says how to fix it', () => {
    const r = judgePath(dataDir, dir(0o777), 0);
    expect(r).toMatchObject({ status: 'fail', fix: 'chmod o-w /var/lib/aios' });
    expect(r.message).toContain('world-writable (mode 0777)');
    expect(judgePath(configFile, file(0o666), 0).status).toBe('fail');
  });

  it('accepts a world-writable directory only with the sticky bit, like /tmp', () => {
    expect(judgePath(dataDir, dir(0o1777), 0).status).not.toBe('fail');
    expect(judgePath(configFile, file(0o1666), 0).status).toBe('fail');
  });

  it('fails specs or config owned by another user: that user could steer what root does', () => {
    const r = judgePath(specsDir, dir(0o755, 1000), 0);
    expect(r).toMatchObject({ status: 'fail', fix: 'chown root /etc/aios/specs' });
    expect(judgePath(configFile, file(0o644, 1000), 1000).status).toBe('ok');
  });

  it('warns about group-writable inputs and world-readable state', () => {
    expect(judgePath(specsDir, dir(0o775), 0).status).toBe('warn');
    expect(judgePath(dataDir, dir(0o755), 0)).toMatchObject({
      status: 'warn',
      fix: 'chmod o-rwx /var/lib/aios',
    });
  });

  it('fails a missing required path and a file where a directory belongs', () => {
    expect(judgePath(configFile, undefined, 0)).toMatchObject({ status: 'fail', fix: 'run `aios init`' });
    expect(judgePath(dataDir, undefined, 0).status).toBe('warn');
    expect(judgePath(dataDir, file(0o600), 0).message).toContain('is not a directory');
  });

  it('warns when a world-readable config holds an API key, and not otherwise', () => {
    expect(judgeConfigSecret('/etc/aios/config.toml', file(0o644), true)?.status).toBe('warn');
    expect(judgeConfigSecret('/etc/aios/config.toml', file(0o640), true)).toBeUndefined();
    expect(judgeConfigSecret('/etc/aios/config.toml', file(0o644), false)).toBeUndefined();
  });
});

describe('doctor provider probe', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const config = (llm: Record<string, unknown>) => configSchema.parse({ llm });
  const KEY = 'sk-doctor-test-0123456789abcdef';

  /** The one probe for these settings (the tests give exactly one provider a key). */
  function onlyProbe(llm: Record<string, unknown>, env: NodeJS.ProcessEnv): ProviderProbe {
    const probes = providerProbes(config(llm), env);
    expect(probes).toHaveLength(1);
    const [p] = probes;
    if (!p || !isProbe(p)) throw new Error(`expected a probe, got ${JSON.stringify(p)}`);
    return p;
  }

  it('probes only providers that have a key (ollama when it is the default)', () => {
    expect(providerProbes(config({}), {})).toEqual([]);
    expect(onlyProbe({}, { OPENAI_API_KEY: KEY })).toMatchObject({
      name: 'openai',
      url: 'https://api.openai.com/v1/models',
    });
    expect(onlyProbe({ default_provider: 'ollama' }, {}).url).toBe('http://127.0.0.1:11434/v1/models');
    expect(onlyProbe({ default_provider: 'ollama' }, { OLLAMA_HOST: 'gpu-box' }).url).toBe(
      'http://gpu-box:11434/v1/models',
    );
    expect(onlyProbe({ anthropic: { api_key: KEY, base_url: 'http://x/' } }, {})).toMatchObject({
      name: 'anthropic',
      url: 'http://x/v1/models',
      headers: { 'x-api-key': KEY },
    });
  });

  it('uses the key and endpoint the provider module would: the environment beats the config', () => {
    const p = onlyProbe(
      { openai: { api_key: 'sk-from-config', base_url: 'http://config.example/v1' } },
      { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://env.example/v1' },
    );
    expect(p.url).toBe('http://env.example/v1/models');
    expect(p.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('fails a base URL that is not a URL, without probing', () => {
    const [r] = providerProbes(config({ openai: { base_url: 'not a url' } }), { OPENAI_API_KEY: KEY });
    expect(r).toMatchObject({ id: 'provider:openai', status: 'fail' });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('is ok when the models endpoint answers 200 to the key, sent only as a header', async () => {
    let auth = '';
    const base = await serve((req, res) => {
      auth = String(req.headers.authorization);
      res.end(req.url === '/v1/models' ? '{"data":[]}' : '');
    });
    const r = await probeProvider(onlyProbe({ openai: { base_url: `${base}/v1` } }, { OPENAI_API_KEY: KEY }));
    expect(r.status).toBe('ok');
    expect(auth).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('fails a rejected key without printing it', async () => {
    const base = await serve((_req, res) => {
      res.statusCode = 401;
      res.end(`{"error":"bad key ${KEY}"}`);
    });
    const r = await probeProvider(onlyProbe({ openai: { base_url: base, api_key: KEY } }, {}));
    expect(r).toMatchObject({ status: 'fail', fix: 'set a valid key (OPENAI_API_KEY)' });
    expect(r.message).toContain('HTTP 401');
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('warns when the provider does not answer within the time-out', async () => {
    const base = await serve(() => {
      // never answers
    });
    const probe = onlyProbe({ openai: { base_url: base } }, { OPENAI_API_KEY: KEY });
    const started = Date.now();
    const r = await probeProvider(probe, 300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.status).toBe('warn');
    expect(r.message).toContain('no answer');
  });

  it('warns when nothing listens at the base URL', async () => {
    const base = await serve(() => {});
    await new Promise((r) => servers.pop()?.close(r));
    const r = await probeProvider(onlyProbe({ openai: { base_url: base } }, { OPENAI_API_KEY: KEY }));
    expect(r).toMatchObject({ status: 'warn' });
    expect(r.message).toContain('ECONNREFUSED');
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
});

describe('doctor service rules', () => {
  it('finds the aios-runtime script in ExecStart, with or without node and its flags', () => {
    expect(
      execStartScript(
        '[Service]\nExecStart=/usr/bin/node --max-semi-space-size=4 /usr/lib/node_modules/aios/dist/cli/aios-runtime.js --config /etc/aios/config.toml\n',
      ),
    ).toBe('/usr/lib/node_modules/aios/dist/cli/aios-runtime.js');
    expect(execStartScript('ExecStart=/usr/local/bin/aios-runtime\n')).toBe('/usr/local/bin/aios-runtime');
    expect(execStartScript('ExecStart=/bin/true\n')).toBeUndefined();
    expect(execStartScript('[Unit]\n')).toBeUndefined();
  });
});
