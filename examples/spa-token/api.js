// The API service of the SPA example: it holds no user database and no session store. It checks each request's
// bearer token with gatehouse/verify — the signature against the auth server's JWKS (fetched once, cached) and
// revocations from its live feed, so a logout is refused here within milliseconds, not when the token expires.
import express from 'express';
import { createVerifier } from 'gatehouse/verify';

/** Starts the API on `port`, for pages from `spaOrigin`, trusting the tokens of the auth server at `authOrigin`. */
export async function startApi({ port, authOrigin, spaOrigin, issuer, audience, feedToken }) {
  const verifier = createVerifier({
    jwksUrl: `${authOrigin}/.well-known/jwks.json`,
    issuer,
    audience,
    revocationsUrl: `${authOrigin}/auth/revocations`,
    // The auth server's GATEHOUSE_REVOCATION_FEED_TOKEN, when it has one (in production it must).
    revocationsHeaders: feedToken ? { authorization: `Bearer ${feedToken}` } : {},
  });
  await verifier.ready(); // the first revocation snapshot has arrived

  const notes = new Map(); // each user's notes
  const api = express();
  // CORS: the SPA is another origin. A bearer token is no cookie, so no credentials mode is needed.
  api.use((req, res, next) => {
    res.set({ 'access-control-allow-origin': spaOrigin, vary: 'Origin' });
    if (req.method !== 'OPTIONS') return next();
    res.set({ 'access-control-allow-headers': 'Authorization, Content-Type', 'access-control-allow-methods': 'GET, POST' });
    res.sendStatus(204);
  });
  // Every /api route: a valid, unrevoked access token, or 401 (the client then refreshes once and retries).
  api.use('/api', async (req, res, next) => {
    const token = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const claims = token ? await verifier.verify(token).catch(() => undefined) : null; // undefined: the feed is stale
    if (claims === undefined) return res.status(503).json({ error: { code: 'unavailable' } }); // fail closed
    if (!claims) {
      return res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: { code: 'unauthenticated' } });
    }
    res.locals.userId = claims.sub;
    next();
  });
  api.get('/api/notes', (_req, res) => res.json({ notes: notes.get(res.locals.userId) ?? [] }));
  api.post('/api/notes', express.json(), (req, res) => {
    const { userId } = res.locals;
    const text = typeof req.body?.text === 'string' ? req.body.text.trim().slice(0, 200) : '';
    if (text === '') return res.status(400).json({ error: { code: 'invalid_request', message: 'A note needs some text.' } });
    notes.set(userId, [...(notes.get(userId) ?? []), text]);
    res.status(201).json({ notes: notes.get(userId) });
  });
  await new Promise((resolve) => api.listen(port, '127.0.0.1', resolve));
}
