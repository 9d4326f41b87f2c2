import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkedPath, serve, type RunningServer } from '../../scripts/serve.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one raw request (the path goes out exactly as written) and gives up after 5 s. */
function send(url: string, method: string, rawPath: string, body?: string): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path: rawPath, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${rawPath} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('serve({ root, port, host, modelPath })', () => {
  let folder: string;
  let server: RunningServer;

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'glassbox-serve-'));
    const root = path.join(folder, 'site');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await mkdir(path.join(root, 'models'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(root, 'models', 'default.gbx'), 'stale copy');
    await writeFile(path.join(folder, 'secret.txt'), 'SECRET');
    await writeFile(path.join(folder, 'model.gbx'), 'fresh model');
    await symlink(path.join(folder, 'secret.txt'), path.join(root, 'link-out.txt'));
    server = await serve({ root, port: 0, modelPath: path.join(folder, 'model.gbx') });
  });

  after(async () => {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  test('binds to 127.0.0.1 by default and serves index.html at /', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const reply = await send(server.url, 'GET', '/');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.match(String(reply.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(reply.body, '<!doctype html><title>app</title>');
  });

  test('serves files with their content type, ignoring the query string', async () => {
    const reply = await send(server.url, 'GET', '/assets/app.js?v=2');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(reply.body, 'console.log(1)');
  });

  test('offers modelPath at /models/default.gbx, over the copy inside root', async () => {
    const reply = await send(server.url, 'GET', '/models/default.gbx');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'fresh model');
  });

  test('lists the default model in models/index.json only when there is one', async () => {
    const listed = await send(server.url, 'GET', '/models/index.json');
    assert.equal(listed.status, 200);
    assert.deepEqual(JSON.parse(listed.body), { default: 'default.gbx' });
    const bare = path.join(folder, 'bare');
    await mkdir(bare, { recursive: true });
    await writeFile(path.join(bare, 'index.html'), 'x');
    const other = await serve({ root: bare, port: 0, modelPath: path.join(folder, 'missing.gbx') });
    try {
      const none = await send(other.url, 'GET', '/models/index.json');
      assert.equal(none.status, 200);
      assert.deepEqual(JSON.parse(none.body), { default: null });
      assert.equal((await send(other.url, 'GET', '/models/default.gbx')).status, 404);
    } finally {
      await other.close();
    }
  });

  test('answers HEAD with headers and no body', async () => {
    const reply = await send(server.url, 'HEAD', '/assets/app.js');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], '14');
    assert.equal(reply.body, '');
  });

  for (const rawPath of [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets%2F..%2F..%2Fsecret.txt',
    '/%2E%2E%2F%2E%2E%2Fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/assets/%252e%252e/%252e%252e/secret.txt',
  ]) {
    test(`refuses the traversal ${rawPath}`, async () => {
      const reply = await send(server.url, 'GET', rawPath);
      assert.ok(reply.status === 400 || reply.status === 404, `status ${reply.status}`);
      assert.doesNotMatch(reply.body, /SECRET/);
    });
  }

  test('refuses absolute paths and absolute-form URLs', async () => {
    for (const rawPath of [
      path.join(folder, 'secret.txt'),
      `/${path.join(folder, 'secret.txt')}`,
      `//${path.join(folder, 'secret.txt').slice(1)}`,
      '/etc/passwd',
      '/C:/Windows/win.ini',
      'http://example.com/../secret.txt',
    ]) {
      const reply = await send(server.url, 'GET', rawPath);
      assert.ok(reply.status === 400 || reply.status === 404, `${rawPath}: status ${reply.status}`);
      assert.doesNotMatch(reply.body, /SECRET|root:/);
    }
  });

  test('does not follow a symbolic link out of the root', async () => {
    const reply = await send(server.url, 'GET', '/link-out.txt');
    assert.equal(reply.status, 404);
    assert.doesNotMatch(reply.body, /SECRET/);
  });

  test('lists no directories', async () => {
    for (const rawPath of ['/assets', '/assets/', '/models/']) {
      const reply = await send(server.url, 'GET', rawPath);
      assert.equal(reply.status, 404, rawPath);
      assert.doesNotMatch(reply.body, /app\.js|default\.gbx/);
    }
  });

  test('accepts no uploads: POST, PUT and DELETE get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const reply = await send(server.url, method, '/index.html', 'x'.repeat(100_000));
      assert.equal(reply.status, 405, method);
      assert.equal(reply.headers.allow, 'GET, HEAD');
    }
  });

  test('answers 404 for a missing file', async () => {
    const reply = await send(server.url, 'GET', '/nope.js');
    assert.equal(reply.status, 404);
  });
});

describe('checkedPath(url)', () => {
  test('decodes a plain path', () => {
    assert.equal(checkedPath('/data/t10k%20images?x=1'), '/data/t10k images');
  });

  test('rejects dot segments, encoded separators, NUL and bad escapes', () => {
    const urls = ['/a/../b', '/./a', '/a/%2e%2e/b', '/a%2fb', '/a%5cb', '/a%00', '/%E0%A4%A', 'a/b', '//x'];
    for (const url of urls) {
      assert.equal(checkedPath(url), undefined, url);
    }
  });
});
