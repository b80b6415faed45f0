// A single-page app on token mode: the seeds' SPA / mobile scenario. Three origins, started by one command:
//
//   http://127.0.0.1:3002  the SPA: static files; gatehouse/client in token mode keeps the tokens in memory
//   http://127.0.0.1:3003  the auth server: Gatehouse itself (as `gatehouse serve`), token mode only
//   http://127.0.0.1:3004  the API (api.js): checks bearer tokens with gatehouse/verify, no database
//
//   npm run example:spa
//
// The auth server lets the SPA's origin in (CORS, and the Origin check of login): allowedOrigins below, or
// GATEHOUSE_ALLOWED_ORIGINS. The API answers CORS for the SPA itself. PORT, AUTH_PORT, API_PORT change the ports;
// GATEHOUSE_ACCESS_TTL (15m; 30s at least) shows the silent refresh; EXAMPLE_STORE=sqlite keeps users in
// data/gatehouse.db beside this file (then GATEHOUSE_SECRET, 32+ characters, is needed).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createServer, openStore, resolveServerConfig } from 'gatehouse/server';
import { startApi } from './api.js';

const here = dirname(fileURLToPath(import.meta.url));
const host = '127.0.0.1';
const env = process.env;
const ports = { spa: Number(env.PORT ?? 3002), auth: Number(env.AUTH_PORT ?? 3003), api: Number(env.API_PORT ?? 3004) };
const [spaOrigin, apiOrigin] = [ports.spa, ports.api].map((port) => `http://${host}:${port}`);

// 1. The auth server.
const config = resolveServerConfig({
  options: {
    host,
    port: ports.auth,
    modes: ['token'],
    allowedOrigins: [spaOrigin],
    databaseUrl: env.EXAMPLE_STORE === 'sqlite' ? `sqlite:${join(here, 'data/gatehouse.db')}` : 'memory:',
    logLevel: 'warn',
  },
  env,
});
const auth = await createServer({ config, store: await openStore(config) });
const authOrigin = await auth.listen();

// 2. The API, which trusts the auth server's tokens.
const { issuer, audience, revocationFeedToken: feedToken } = config;
await startApi({ port: ports.api, authOrigin, spaOrigin, issuer, audience, feedToken });

// 3. The SPA: its page, gatehouse/client, and where the other two are.
const spa = express();
spa.get('/config.js', (_req, res) => res.type('text/javascript').send(`export default ${JSON.stringify({ authOrigin, apiOrigin })};`));
spa.use('/gatehouse/client', express.static(dirname(fileURLToPath(import.meta.resolve('gatehouse/client')))));
spa.use(express.static(join(here, 'public')));
spa.listen(ports.spa, host, () => console.log(`SPA example on ${spaOrigin} (auth server ${authOrigin}, API ${apiOrigin})`));
