// Owns the express-session + connect-redis peer: the session lives in Redis (node-redis client), read and
// its TTL touched on every request.
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { HOST, PORT, REDIS_PREFIX, REDIS_URL } from './common.js';
import { expressSessionApp } from './express-session-app.js';

const client = createClient({ url: REDIS_URL });
await client.connect();
const store = new RedisStore({ client, prefix: REDIS_PREFIX });
expressSessionApp(store).listen(PORT, HOST);
