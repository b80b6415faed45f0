// Owns the express-session app both express-session peers run: a signed session cookie, the session looked
// up (and touched) in the store on every request.
import express from 'express';
import session from 'express-session';
import { COOKIE_SECRET, USER_ID } from './common.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

export function expressSessionApp(store?: session.Store): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(session({ secret: COOKIE_SECRET, resave: false, saveUninitialized: false, cookie: { secure: false }, ...(store ? { store } : {}) }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/bench/login', (req, res) => {
    req.session.userId = USER_ID;
    res.json({});
  });
  app.get('/protected', (req, res) => {
    const userId = req.session.userId;
    if (userId === undefined) res.status(401).json({ error: 'unauthenticated' });
    else res.json({ userId });
  });
  return app;
}
