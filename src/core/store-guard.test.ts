// The store guard's two answers to a store that throws: 503 `unavailable` for a backend failure (connection
// refused or lost, a timeout, a driver error; any error at all while the backend does not answer its ping),
// and the bug itself, a 500, for a broken invariant while the backend answers (TypeError, RangeError, an
// assertion, a store claiming a client error) — a client must not be told to retry a bug.
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { describe, it } from 'node:test';
import { GatehouseError } from './errors.js';
import type { Store } from './store.js';
import { guardStore } from './store-guard.js';
import { createMemoryStore } from '../stores/memory/index.js';

/** A memory store whose `users.findById` throws `error` (after a tick, or synchronously), and whose ping can fail. */
function failing(error: Error, options: { sync?: boolean; backendDown?: boolean } = {}): Store {
  const store = createMemoryStore();
  const users = { ...store.users };
  users.findById = options.sync
    ? () => {
      throw error;
    }
    : () => Promise.reject(error);
  return {
    ...store,
    kind: store.kind,
    users,
    ping: options.backendDown ? () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : () => store.ping(),
  };
}

async function outcome(store: Store): Promise<unknown> {
  try {
    await guardStore(store).users.findById('someone');
  } catch (error) {
    return error;
  }
  return assert.fail('the call should have failed');
}

const code = (error: unknown) => (error instanceof GatehouseError ? `${error.status} ${error.code}` : undefined);

function systemError(message: string, errno: string): Error {
  return Object.assign(new Error(message), { code: errno });
}

describe('store guard', () => {
  it('turns backend failures into 503 unavailable, with the original as cause and a Retry-After', async () => {
    for (const failure of [
      systemError('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
      systemError('read ECONNRESET', 'ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Command timed out'),
      Object.assign(new Error('terminating connection due to administrator command'), { name: 'DatabaseError', code: '57P01' }),
      Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' }),
    ]) {
      for (const sync of [false, true]) {
        const error = await outcome(failing(failure, { sync }));
        assert.equal(code(error), '503 unavailable', `${failure.message} (sync: ${sync})`);
        assert.equal((error as GatehouseError).cause, failure);
        assert.equal((error as GatehouseError).retryAfterSeconds, 1);
      }
    }
  });

  it('lets a broken invariant through as itself (a 500) while the backend answers: no retry advice for a bug', async () => {
    const bugs = [
      new TypeError("Cannot read properties of undefined (reading 'roles')"),
      new RangeError('Invalid time value'),
      new AssertionError({ message: 'the successor must belong to the same family' }),
      new SyntaxError('Unexpected token } in JSON at position 7'),
    ];
    for (const bug of bugs) {
      for (const sync of [false, true]) {
        const error = await outcome(failing(bug, { sync }));
        assert.equal(error, bug, `${bug.name} (sync: ${sync}) stays itself`);
      }
    }
  });

  it('makes a client error (4xx) thrown by a store a 500 internal_error, and passes its 5xx through', async () => {
    const claimed = new GatehouseError('invalid_request', 'bad input');
    const error = await outcome(failing(claimed));
    assert.equal(code(error), '500 internal_error');
    assert.equal((error as GatehouseError).cause, claimed);
    assert.equal((error as GatehouseError).message, 'Internal error.', 'the store’s message is not shown to the client');
    for (const passed of [new GatehouseError('unavailable', 'down', { retryAfterSeconds: 2 }), new GatehouseError('internal_error', 'oops')]) {
      assert.equal(await outcome(failing(passed)), passed);
    }
  });

  it('counts a programming-error type as an outage while the backend does not answer (a driver on a closed connection)', async () => {
    const closed = new TypeError('The database connection is not open');
    const error = await outcome(failing(closed, { backendDown: true }));
    assert.equal(code(error), '503 unavailable');
    assert.equal((error as GatehouseError).cause, closed);
  });
});
