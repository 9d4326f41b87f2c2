import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

test('npm run fuzz -- --target cli: 300 hostile command lines end in a usage or file error, or run', { timeout: 300_000 }, () => {
  // Through the runner, as npm run fuzz does: the commands run in a child process of their own
  // (they write files and read MNIST), under the runner's watchdog and allocation limit.
  const result = spawnSync(process.execPath, [
    '--import', 'tsx', join(root, 'fuzz', 'run.ts'), '--target', 'cli', '--count', '300', '--seed', '20240', '--json',
  ], { cwd: root, encoding: 'utf8', timeout: 280_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const [cli] = JSON.parse(result.stdout);
  assert.deepEqual(cli.summary.failures, []);
  assert.equal(cli.summary.cases, 300);
  assert.ok(cli.summary.rejected > 0 && cli.summary.accepted > 0);
  assert.equal(cli.restarts, 0, 'no case hung or crashed its process');
});
