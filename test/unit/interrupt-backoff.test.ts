import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interruptBackoffMs } from '../../src/controller/interrupt-backoff';

test('transitions from Interrupt back off: the first at once, then doubling from 2 s, capped at 5 min', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(interruptBackoffMs), [0, 0, 2_000, 4_000, 8_000, 16_000]);
  assert.equal(interruptBackoffMs(40), 300_000);
});
