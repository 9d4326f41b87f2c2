// Builds the web app into dist-web/ when it is missing or older than its sources, so that
// `npm start` always serves what the code says without rebuilding on every start.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const webBuildFolder = path.join(repositoryRoot, 'dist-web');

/** What the build is made from: the app, the library it bundles, and the build's own setup. */
const sources = ['web', 'src', 'vite.config.ts', 'scripts/web-data.ts'];

/** The newest modification time (ms) of any file under `target`. */
function newest(target: string): number {
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

/** True when dist-web/ is missing or some source is newer than it. */
export function webBuildIsStale(): boolean {
  const index = path.join(webBuildFolder, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return sources.some((source) => {
    const target = path.join(repositoryRoot, source);
    return existsSync(target) && newest(target) > built;
  });
}

/** Runs `vite build` if the site is stale; returns whether it built. */
export async function buildWebIfStale(): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  console.log('Building the web app (vite build)…');
  await build({ configFile: path.join(repositoryRoot, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}
