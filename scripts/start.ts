// `npm start`: trains the default model if it is missing, reports its test accuracy, then
// serves the web app on 127.0.0.1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildWebIfStale, webBuildFolder } from './build-web.js';
import { closeOnSignals, serveOnPreferredPort } from './serve.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelPath = join(root, 'models', 'default.gbx');

function glassbox(...args: string[]): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root, stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (existsSync(modelPath)) {
  console.log(`${modelPath} exists; measuring it (delete it to train afresh):`);
  glassbox('eval', modelPath);
} else {
  console.log('No default model yet: training one (glassbox train --preset default).');
  glassbox('train', '--preset', 'default', '--out', modelPath);
}

await buildWebIfStale();
const port = Number(process.env.PORT ?? 5173);
const running = await serveOnPreferredPort({ root: webBuildFolder, port, modelPath });
console.log(`\nGlassbox is running at ${running.url} (Ctrl-C to stop)`);
closeOnSignals(running);
