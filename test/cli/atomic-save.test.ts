import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, Network, Random } from '../../src/index.js';
import { writeFileAtomic } from '../../cli/files.js';

/**
 * SIGKILL at random moments during saves, many times: the model file must always be exactly
 * the last model saved or the one being saved, never a mixture, a truncation or nothing.
 *
 * This file is also the child that saves: run with GLASSBOX_SAVE_LOOP=TARGET:FIRST:PAYLOADS it
 * saves model FIRST, FIRST+1, ... (read from the folder PAYLOADS) to TARGET in a loop, printing
 * "saved N" after each, until killed.
 */
const rounds = 30;
const payloadCount = 3;

/**
 * A few distinct models, each a 1.9 MB file, so one save (write, fsync, rename) takes a few
 * milliseconds and a random kill often lands inside it. Save N writes models[N % 3]: three, so
 * "the one before last" is told apart from "the last".
 */
function models(): Uint8Array[] {
  return Array.from({ length: payloadCount }, (_, k) => k + 1).map((seed) =>
    encodeModel(Network.perceptron([784, 400, 400, 10], 'relu', 'softmax', { seed }), { seed }));
}

const loop = process.env.GLASSBOX_SAVE_LOOP;
if (loop !== undefined) {
  const [target, first, folder] = loop.split(':');
  const payloads = Array.from({ length: payloadCount }, (_, k) => readFileSync(join(folder, `${k}.gbx`)));
  writeSync(1, 'ready\n');
  for (let n = Number(first); ; n++) {
    writeFileAtomic(target, payloads[n % payloads.length]);
    writeSync(1, `saved ${n}\n`);
  }
} else {
  test(`writeFileAtomic(path, bytes) keeps the previous or the new model through ${rounds} SIGKILLs mid-save`, async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'glassbox-atomic-'));
    const target = join(folder, 'model.gbx');
    const payloads = models();
    // The child reads the models from files: building them again in each child is slow.
    const payloadFolder = mkdtempSync(join(tmpdir(), 'glassbox-atomic-payloads-'));
    payloads.forEach((bytes, k) => writeFileSync(join(payloadFolder, `${k}.gbx`), bytes));
    writeFileAtomic(target, payloads[0]);
    let saved = 0;
    const random = new Random(5);
    let killedMidSave = 0;
    let savesSeen = 0;
    for (let round = 0; round < rounds; round++) {
      const { lastSaved } = await saveUntilKilled(target, saved + 1, payloadFolder, 60 * random.next());
      const last = lastSaved ?? saved;
      savesSeen += last - saved;
      const bytes = readFileSync(target);
      // It must decode (checksum, header, weights) ...
      decodeModel(bytes, { source: target });
      // ... and be exactly the last save reported or the next one (killed after its rename,
      // before it could report).
      const candidates = [last, last + 1];
      const found = candidates.find((n) => Buffer.compare(bytes, payloads[n % payloads.length]) === 0);
      assert.notEqual(found, undefined, `round ${round}: the file is neither save ${last} nor ${last + 1}`);
      saved = found!;
      const leftovers = temporaries(folder);
      assert.ok(leftovers.length <= 1, `round ${round}: ${leftovers.join(', ')}`);
      killedMidSave += leftovers.length;
    }
    t.diagnostic(`${rounds} kills, ${savesSeen} completed saves; ${killedMidSave} kills landed mid-save and left a temporary file`);

    // The next save removes what killed saves left behind, and leaves nothing of its own.
    writeFileAtomic(target, payloads[0]);
    assert.deepEqual(temporaries(folder), []);
    assert.deepEqual(readdirSync(folder), ['model.gbx']);
  });
}

function temporaries(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.startsWith('.model.gbx.') && name.endsWith('.tmp'));
}

/**
 * Starts a child saving models FIRST, FIRST+1, ... to `target`, kills it with SIGKILL `delay`
 * ms after its first save begins, and returns the last save it reported as complete.
 */
function saveUntilKilled(
  target: string, first: number, payloadFolder: string, delay: number,
): Promise<{ lastSaved: number | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], {
      env: { ...process.env, GLASSBOX_SAVE_LOOP: `${target}:${first}:${payloadFolder}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (timer === undefined && output.includes('ready\n')) {
        timer = setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`the saving child ended with code ${code}, not by SIGKILL`));
        return;
      }
      const saves = [...output.matchAll(/^saved (\d+)$/gm)].map((match) => Number(match[1]));
      resolve({ lastSaved: saves.at(-1) });
    });
  });
}
