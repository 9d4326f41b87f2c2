// The static file server behind `npm start`: serves the built web app (dist-web/) and the default
// model, on 127.0.0.1 unless told otherwise. It serves only the app's own files: every path is
// decoded once, checked, and resolved inside the root (symbolic links included); there are no
// directory listings, and nothing is accepted from the client (any method but GET and HEAD is 405).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { modelManifest, modelManifestName } from './web-data.js';

export interface ServeOptions {
  /** The folder to serve, normally dist-web/. */
  root: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** A model file to offer at /models/default.gbx, over any copy inside `root`. */
  modelPath?: string;
}

export interface RunningServer {
  /** Such as http://127.0.0.1:5173/ */
  url: string;
  close(): Promise<void>;
}

/** The URL the page asks for the default model at (relative to the page). */
export const defaultModelUrlPath = '/models/default.gbx';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

// The page runs its own scripts and workers, fetches its own data, and compiles WebAssembly
// (the fast backend). Styles may be inline because uPlot positions its parts with style attributes.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Longest URL we bother to look at; real ones here are under 100 characters. */
const maxUrlLength = 2048;

/** Starts the server; resolves once it listens. */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const root = await realpath(path.resolve(options.root));
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new Error(`serve: ${options.root} is not a folder`);
  const modelPath = options.modelPath === undefined ? undefined : path.resolve(options.modelPath);

  const server = createServer((request, response) => {
    handle(request, response, root, modelPath).catch(() => {
      if (!response.headersSent) reply(response, 500, 'Internal error');
      else response.destroy();
    });
  });
  // Requests are tiny GETs; a client that trickles headers or sends a body gets cut off.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxHeadersCount = 50;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  root: string,
  modelPath: string | undefined,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // Nothing is ever uploaded; refuse before reading any body.
    response.setHeader('Allow', 'GET, HEAD');
    reply(response, 405, 'Method not allowed', true);
    return;
  }
  const urlPath = checkedPath(request.url ?? '');
  if (urlPath === undefined) {
    reply(response, 400, 'Bad request');
    return;
  }
  let file: string | undefined;
  if (urlPath === defaultModelUrlPath && modelPath !== undefined) {
    file = await existingFile(modelPath);
  }
  if (urlPath === `/${modelManifestName}` && modelPath !== undefined) {
    // The list of models says what this server offers now, not what the build found.
    const offered = (await existingFile(modelPath)) ?? (await fileInside(root, defaultModelUrlPath));
    replyBytes(response, request, modelManifest(offered !== undefined), contentTypes['.json']);
    return;
  }
  file ??= await fileInside(root, urlPath === '/' ? '/index.html' : urlPath);
  if (file === undefined) {
    reply(response, 404, 'Not found');
    return;
  }
  const info = await stat(file);
  response.statusCode = 200;
  setCommonHeaders(response);
  const type = contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  response.setHeader('Content-Type', type);
  response.setHeader('Content-Length', String(info.size));
  // The app is rebuilt in place: always revalidate so a reload shows the new build.
  response.setHeader('Cache-Control', 'no-cache');
  response.setHeader('Last-Modified', info.mtime.toUTCString());
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

/** Answers 200 with `bytes` made here (not read from a file). */
function replyBytes(response: ServerResponse, request: IncomingMessage, bytes: Uint8Array, type: string): void {
  response.statusCode = 200;
  setCommonHeaders(response);
  response.setHeader('Content-Type', type);
  response.setHeader('Content-Length', String(bytes.length));
  response.setHeader('Cache-Control', 'no-cache');
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

/**
 * The URL's path, decoded, or undefined when it is not a plain path inside the site: no `..` or
 * `.` segments (before or after decoding), no encoded or back slashes, no NUL, no drive letters.
 */
export function checkedPath(url: string): string | undefined {
  if (url.length > maxUrlLength || !url.startsWith('/')) return undefined;
  const raw = url.split(/[?#]/, 1)[0];
  // %2F and %5C would let one segment hide a path separator from the checks below.
  if (/%2f|%5c|%00/i.test(raw) || raw.includes('\\')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.startsWith('//')) return undefined;
  const segments = decoded.split('/').slice(1);
  for (const segment of segments) {
    if (segment === '..' || segment === '.' || /^[a-z]:/i.test(segment)) return undefined;
  }
  return decoded;
}

/** The regular file at `urlPath` under `root`, after following links, if it stays inside root. */
async function fileInside(root: string, urlPath: string): Promise<string | undefined> {
  const candidate = path.resolve(root, '.' + urlPath);
  if (!isInside(root, candidate)) return undefined;
  const file = await existingFile(candidate);
  if (file === undefined) return undefined;
  const real = await realpath(file);
  return isInside(root, real) ? real : undefined;
}

async function existingFile(file: string): Promise<string | undefined> {
  try {
    // Folders are not listed: only regular files are served.
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function setCommonHeaders(response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Security-Policy', contentSecurityPolicy);
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

function reply(response: ServerResponse, status: number, message: string, close = false): void {
  response.statusCode = status;
  setCommonHeaders(response);
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  if (close) response.setHeader('Connection', 'close');
  response.end(`${message}\n`);
}

/**
 * Serves on `port`, or on a free port when that one is taken (another server already running
 * there should not stop `npm start`).
 */
export async function serveOnPreferredPort(options: ServeOptions): Promise<RunningServer> {
  try {
    return await serve(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !options.port) throw error;
    console.log(`Port ${options.port} is taken; using a free one.`);
    return serve({ ...options, port: 0 });
  }
}

/** Stops the server on Ctrl-C or a termination signal. */
export function closeOnSignals(running: RunningServer): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

const usage = `Usage: tsx scripts/serve.ts [options]

Serves the web app on 127.0.0.1, building it first (vite build) when it is missing or stale.

Options:
  --port <n>        port to listen on (default: 5173, or a free one when that is taken)
  --host <address>  address to bind (default: 127.0.0.1)
  --model <file>    model to offer as the default (default: models/default.gbx)
  -h, --help        show this help

Examples:
  tsx scripts/serve.ts
  tsx scripts/serve.ts --port 8080 --model models/3b1b.gbx`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5173' },
      host: { type: 'string', default: '127.0.0.1' },
      model: { type: 'string', default: path.join(repositoryRoot, 'models', 'default.gbx') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: expected a whole number 0 to 65535, got "${values.port}"`);
  }
  // Imported here so that importing serve() alone does not load vite.
  const { buildWebIfStale, webBuildFolder } = await import('./build-web.js');
  await buildWebIfStale();
  const running = await serveOnPreferredPort({
    root: webBuildFolder, port, host: values.host, modelPath: values.model,
  });
  console.log(`Glassbox is running at ${running.url}`);
  closeOnSignals(running);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: Error) => {
    console.error(`serve: ${error.message}`);
    process.exit(1);
  });
}
