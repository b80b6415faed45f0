// Keeps docs/errors.md and the code in step: every code in ERROR_STATUS is documented with its status, and
// the documentation names no code the server cannot produce.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_STATUS, GatehouseError } from './errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])] as const),
);

describe('error codes', () => {
  it('documents every code with the status the server uses', () => {
    assert.deepEqual(Object.fromEntries(documented), { ...ERROR_STATUS });
  });

  it('GatehouseError takes its status from the one table and keeps the cause', () => {
    const cause = new Error('disk on fire');
    const error = new GatehouseError('unavailable', 'Store down.', { cause, retryAfterSeconds: 2 });
    assert.equal(error.status, 503);
    assert.equal(error.cause, cause);
    assert.equal(error.retryAfterSeconds, 2);
    assert.ok(error instanceof Error);
  });
});
