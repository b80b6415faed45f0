// Owns the baseline: a bare Fastify route that answers what the protected routes answer, with no
// authentication at all. Every HTTP ratio is a fraction of this, measured in the same run. With
// BENCH_LOGGER=1 it has Fastify's own logger on, as Fastify ships it (pino at `info` to stdout, two lines per
// request): the baseline of Gatehouse as it ships, at `info`.
import Fastify from 'fastify';
import { HOST, PORT, USER_ID } from './common.js';

const app = Fastify({ logger: process.env['BENCH_LOGGER'] === '1' });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/bench/login', async () => ({}));
app.get('/protected', async () => ({ userId: USER_ID }));
await app.listen({ port: PORT, host: HOST });
