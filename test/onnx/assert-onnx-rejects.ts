import assert from 'node:assert/strict';
import { GlassboxError } from '../../src/index.js';
import { decodeOnnx } from '../../src/onnx/index.js';

/** decodeOnnx refuses `bytes`, read as "bad.onnx", with a GlassboxError matching `message`. */
export function assertOnnxRejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodeOnnx(bytes, { source: 'bad.onnx' }), (error: unknown) => {
    assert.ok(error instanceof GlassboxError, `expected GlassboxError, got ${error}`);
    assert.match(error.message, /^bad\.onnx: /);
    assert.match(error.message, message);
    return true;
  });
}
