import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBackend, ReferenceBackend, selectBackend, WasmBackend, type BackendChoice } from '../../src/index.js';

/** Runs `body` as if this runtime's WebAssembly had no SIMD: validate() refuses every module. */
async function withoutSimd(body: () => Promise<void>): Promise<void> {
  const validate = WebAssembly.validate;
  WebAssembly.validate = () => false;
  try {
    await body();
  } finally {
    WebAssembly.validate = validate;
  }
}

test('selectBackend("auto") picks the WebAssembly backend where SIMD validates, and makes it the default', async () => {
  const backend = await selectBackend('auto');
  assert.ok(backend instanceof WasmBackend);
  assert.equal(defaultBackend(), backend);
});

test('selectBackend("auto") falls back to the reference without WebAssembly SIMD', async () => {
  await withoutSimd(async () => {
    const backend = await selectBackend('auto');
    assert.ok(backend instanceof ReferenceBackend);
    assert.equal(defaultBackend(), backend);
  });
});

test('selectBackend("wasm") loads the WebAssembly backend, or says why it cannot', async () => {
  assert.ok((await selectBackend('wasm')) instanceof WasmBackend);
  await withoutSimd(async () => {
    await assert.rejects(selectBackend('wasm'), /no WebAssembly SIMD; use the reference backend/);
  });
});

test('selectBackend("reference") picks the reference backend', async () => {
  const backend = await selectBackend('reference');
  assert.ok(backend instanceof ReferenceBackend);
  assert.equal(defaultBackend(), backend);
});

test('selectBackend(choice) rejects an unknown choice', async () => {
  await assert.rejects(selectBackend('gpu' as BackendChoice), /unknown backend "gpu"/);
});
