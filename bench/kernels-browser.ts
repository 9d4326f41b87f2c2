/**
 * The matrix kernel's speed at W1's shapes in Chromium (Debian's, headless), on one thread,
 * through the public API: bench/kernels.ts's matmul table, measured inside a page.
 *
 *   node --import tsx bench/kernels-browser.ts
 *   node --import tsx bench/kernels-browser.ts --repeats 5 --chromium /usr/bin/chromium
 *
 * The page comes from a server on 127.0.0.1 with the same cross-origin isolation headers as the
 * web app (so its clock steps by microseconds rather than by 100 µs, and its memory is shared as
 * the app's is); each timing takes ≥ 20 ms in any case, so the clock's step does not matter.
 * Prints a skip line and exits 0 when Chromium is missing.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// esbuild comes with tsx, which the benchmarks run under anyway.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { loadMnist } from '../cli/mnist-files.js';
import { FIRST_DIGIT, matmulHeader } from './kernel-timing.js';
import type { PageRequest, PageResult } from './kernels-page.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values: flags } = parseArgs({
  options: {
    repeats: { type: 'string', default: '15' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const chromiumPath = flags.chromium!;
const repeats = Number(flags.repeats);
if (!Number.isInteger(repeats) || repeats < 1) {
  process.stderr.write(`kernels-browser: --repeats must be a whole number ≥ 1; got "${flags.repeats}"\n`);
  process.exit(2);
}

/** The page's script: bench/kernels-page.ts and the library, in one file. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'kernels-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Serves the page and its script, cross-origin isolated as scripts/serve.ts serves the app. */
async function servePage(script: string): Promise<Server> {
  const page = '<!doctype html><meta charset="utf-8"><title>matmul</title>' +
    '<script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    response.setHeader('Cache-Control', 'no-store');
    if (request.url === '/') {
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.end(page);
    } else if (request.url === '/page.js') {
      response.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      response.end(script);
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function main(): Promise<void> {
  if (!existsSync(chromiumPath)) {
    console.log(`Chromium: skipped: ${chromiumPath} is missing (on Debian: apt-get install chromium)`);
    return;
  }
  const digits = loadMnist('train').pixels.subarray(FIRST_DIGIT * 784, (FIRST_DIGIT + 64) * 784);
  const server = await servePage(await bundlePage());
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding'],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'measureW1Matmul' in globalThis, undefined, { timeout: 30_000 })
      .catch(() => {
        const why = problems.length > 0 ? `: ${problems.join('; ')}` : '';
        throw new Error(`the page did not load its script${why}`);
      });
    const request: PageRequest = { repeats, digits: Array.from(digits) };
    type Measure = (r: PageRequest) => Promise<PageResult>;
    const result = await page.evaluate(
      (r) => (globalThis as unknown as { measureW1Matmul: Measure }).measureW1Matmul(r),
      request,
    );
    console.log(`Chromium ${browser.version()} (headless), one thread; ` +
      `createWasmBackend() chose ${result.chosen}; median of ${repeats} timings`);
    // Other programs on the machine slow every figure down: say how busy it was.
    const load = loadavg().map((average) => average.toFixed(1)).join(', ');
    console.log(`load average ${load} on ${availableParallelism()} cores; ` +
      `page ${result.crossOriginIsolated ? '' : 'not '}cross-origin isolated, clock step ` +
      `${result.clockMicroseconds.toFixed(1)} µs`);
    console.log();
    console.log(matmulHeader());
    for (const line of result.rows) console.log(line);
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
