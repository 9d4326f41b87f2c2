import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reuseTensor, type Allocator } from '../src/tensor.js';

/** An allocator that counts its calls. */
function countingAllocator(): Allocator & { calls: number } {
  return {
    calls: 0,
    alloc(length: number) {
      this.calls++;
      return new Float32Array(length);
    },
  };
}

test('reuseTensor(allocator, previous, shape) keeps a tensor of the same shape as it is', () => {
  const allocator = countingAllocator();
  const first = reuseTensor(allocator, undefined, [4, 3]);
  assert.deepEqual(first.shape, [4, 3]);
  assert.equal(reuseTensor(allocator, first, [4, 3]), first);
  assert.equal(allocator.calls, 1);
});

test('reuseTensor(allocator, previous, shape) views a smaller shape in the same memory', () => {
  const allocator = countingAllocator();
  const full = reuseTensor(allocator, undefined, [4, 3]);
  const short = reuseTensor(allocator, full, [2, 3]);
  assert.deepEqual(short.shape, [2, 3]);
  assert.equal(short.data.buffer, full.data.buffer);
  assert.equal(short.data.byteOffset, full.data.byteOffset);
  assert.equal(short.size, 6);
  assert.equal(allocator.calls, 1);
});

test('reuseTensor(allocator, previous, shape) going back and forth between shapes builds no new tensors', () => {
  // As fit does every epoch: full batches, the shorter last batch, then full batches again.
  const allocator = countingAllocator();
  const full = reuseTensor(allocator, undefined, [4, 3]);
  const short = reuseTensor(allocator, full, [1, 3]);
  for (let epoch = 0; epoch < 3; epoch++) {
    assert.equal(reuseTensor(allocator, short, [4, 3]), full);
    assert.equal(reuseTensor(allocator, full, [1, 3]), short);
  }
  assert.equal(allocator.calls, 1);
});

test('reuseTensor(allocator, previous, shape) allocates anew for a larger shape, and keeps it', () => {
  const allocator = countingAllocator();
  const small = reuseTensor(allocator, undefined, [2, 3]);
  const large = reuseTensor(allocator, small, [5, 3]);
  assert.equal(allocator.calls, 2);
  assert.equal(large.size, 15);
  assert.notEqual(large.data.buffer, small.data.buffer);
  assert.equal(reuseTensor(allocator, reuseTensor(allocator, large, [2, 3]), [5, 3]), large);
  assert.equal(allocator.calls, 2);
});
