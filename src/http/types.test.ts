// Owns the tests of the HTTP core's request helpers: the query parameters it reads, and only those.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryOf } from './types.js';

describe('queryOf', () => {
  it('reads limit and cursor, decoded, the first of a repeated one', () => {
    assert.deepEqual(queryOf('/auth/audit?limit=5&cursor=abc%3D'), { limit: '5', cursor: 'abc=' });
    assert.deepEqual(queryOf('http://127.0.0.1:3000/auth/audit?limit=1&limit=100'), { limit: '1' });
    assert.deepEqual(queryOf('/auth/audit?limit='), { limit: '' });
  });

  it('drops every other parameter, so a credential in a URL never reaches a route', () => {
    assert.deepEqual(queryOf('/auth/me?access_token=eyJ.x.y&token=a.b&refresh_token=r&session=s&limit=2'), { limit: '2' });
    assert.deepEqual(queryOf('/auth/me?__proto__=x&constructor=y'), {});
  });

  it('is empty without a query string', () => {
    assert.deepEqual(queryOf('/auth/audit'), {});
    assert.deepEqual(queryOf('/auth/audit?'), {});
  });
});
