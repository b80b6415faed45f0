// What reaches the server as bytes rather than as a well-formed request: bodies that are not UTF-8 are refused,
// never repaired (a password is checked exactly as sent), and what Node's parser refuses before routing —
// conflicting framing, oversized headers — is answered in the SPEC's error format. Request smuggling through
// Content-Length + Transfer-Encoding stays impossible: the connection is closed after the refusal.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClient, errorCode, PASSWORD, startTestServer, type TestServer } from './helpers.js';

/** Sends raw bytes on a fresh connection and returns everything the server wrote until it closed. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error(`no close after: ${text}`)));
  });
}

function parseRaw(text: string): { status: number; headers: Map<string, string>; body: unknown } {
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n\r\n')) as unknown };
}

/** JSON text whose password string holds the given raw bytes after a valid prefix. */
function bodyWithPasswordBytes(email: string, bytes: number[]): Uint8Array {
  const [before, after] = [`{"email":"${email}","password":"${PASSWORD}`, '"}'];
  return new Uint8Array([...Buffer.from(before), ...bytes, ...Buffer.from(after)]);
}

describe('bytes and framing', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const post = (path: string, body: Uint8Array) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('refuses a body that is not UTF-8 with 400, and creates nothing (RFC 8259 §8.1)', async () => {
    const email = 'bytes@example.com';
    const register = await post('/auth/register', bodyWithPasswordBytes(email, [0xff, 0xfe, 0xc3, 0x28]));
    assert.equal(register.status, 400);
    const body = (await register.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_request');
    assert.match(body.error.message, /UTF-8/);
    const login = await post('/auth/login', bodyWithPasswordBytes(email, [0xc0, 0xc1, 0xf5, 0x28]));
    assert.equal(login.status, 400);
    // Nothing was registered: the same email with a valid password registers now.
    const client = createClient(server);
    assert.equal((await client.post('/auth/register', { email, password: PASSWORD })).status, 201);
    // Overlong encodings and lone surrogates are refused too; valid multi-byte text is not.
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      assert.equal((await post('/auth/login', bodyWithPasswordBytes(email, bytes))).status, 400, bytes.join(','));
    }
    assert.equal((await post('/auth/login', bodyWithPasswordBytes(email, [0xc3, 0xa9]))).status, 401);
  });

  it('answers Content-Length with Transfer-Encoding in the SPEC format, closes, and runs no smuggled request', async () => {
    const client = createClient(server);
    await client.post('/auth/register', { email: 'smuggle@example.com', password: PASSWORD });
    const smuggled = `POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 62\r\n\r\n{"email":"smuggled@example.com","password":"${PASSWORD}"}`;
    const request =
      `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`;
    const text = await rawExchange(server.url, request);
    assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, `one answer only: ${text}`);
    const answer = parseRaw(text);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { error: { code: 'invalid_request', message: 'The request is malformed.' } });
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('connection'), 'close');
    const smuggledLogin = await client.post('/auth/login', { email: 'smuggled@example.com', password: PASSWORD });
    assert.equal(errorCode(smuggledLogin), 'invalid_credentials', 'the smuggled register never ran');
  });

  it('answers other malformed framing the same way', async () => {
    const requests = [
      'POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
      'POST /auth/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
      'GET /auth/me HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
      'GET /auth/me HTTP/1.1\r\nHost: a\r\nX-Null: a\0b\r\n\r\n',
    ];
    for (const request of requests) {
      const answer = parseRaw(await rawExchange(server.url, request));
      assert.equal(answer.status, 400, JSON.stringify(request));
      assert.equal(errorCode({ body: answer.body } as Parameters<typeof errorCode>[0]), 'invalid_request');
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('answers a 100 KB Authorization header with 431 in the SPEC format', async () => {
    const text = await rawExchange(server.url, `GET /auth/me HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${'a'.repeat(100_000)}\r\n\r\n`);
    const answer = parseRaw(text);
    assert.equal(answer.status, 431);
    assert.deepEqual(answer.body, { error: { code: 'headers_too_large', message: 'The request headers are too large.' } });
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
  });
});
