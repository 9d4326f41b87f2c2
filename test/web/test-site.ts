// What every browser test starts from: the web app built into a temporary folder, a small default
// model trained by the CLI, and the project's own server offering both on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serve, type RunningServer } from '../../scripts/serve.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the browser tests put their screenshots (ignored by git). */
export const screenshots = path.join(root, 'test', 'web', 'screenshots');

/** Runs the CLI; returns its stdout, failing the test with its stderr if it fails. */
export function glassbox(...args: string[]): string {
  const cli = path.join(root, 'cli', 'main.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(result.status, 0, `glassbox ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

export interface TestSite {
  /** A fresh temporary folder, removed by close(); tests may keep their own files in it. */
  folder: string;
  server: RunningServer;
  /** The model file the server offers as the page's default (784-64-10, ReLU, softmax). */
  defaultModel: string;
  close(): Promise<void>;
}

/** Builds the web app, trains the default model and serves both. */
export async function startTestSite(): Promise<TestSite> {
  const folder = await mkdtemp(path.join(tmpdir(), 'glassbox-web-'));
  const site = path.join(folder, 'site');
  const defaultModel = path.join(folder, 'default.gbx');
  let server: RunningServer;
  try {
    await build({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: site, emptyOutDir: true },
    });
    // Small enough to train in seconds, good enough (over 90%) to read a clear drawing.
    glassbox('train', '--layers', '784,64,10', '--activation', 'relu', '--output', 'softmax',
      '--loss', 'cross-entropy', '--optimizer', 'momentum', '--lr', '0.05', '--batch', '64',
      '--epochs', '3', '--limit', '30000', '--test-limit', '1000', '--json', '--out', defaultModel);
    server = await serve({ root: site, port: 0, modelPath: defaultModel });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    folder,
    server,
    defaultModel,
    async close() {
      await server.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
