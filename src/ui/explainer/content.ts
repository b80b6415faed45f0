// Owns the explainer's text: the seed documents' comparisons (the interview notes "[Lv1] ¿Cuál es la diferencia
// entre Session-based y Token-based?" and the blog post "Session vs Token-Based Authentication: Which One Should
// You Choose?", ../shared/seeds/), restated in English, with what this server shows live beside each claim.
import type { Mode } from '../../client/index.js';

export interface FlowRow {
  id: 'login' | 'storage' | 'requests' | 'check' | 'logout';
  label: string;
  claims: Record<Mode, string>;
}

export const CONTENT_EN = {
  lang: 'en',
  title: 'Sessions, tokens and the hybrid — live',
  lead: 'The three ways Gatehouse keeps a user signed in, side by side, against this very server: what the client holds, what each request carries, what the server looks up to answer it, and what logging out does to each.',
  credit: 'Built on two texts, credited with thanks: the interview notes “[Lv1] ¿Cuál es la diferencia entre Session-based y Token-based?” (in Spanish) and the blog post “Session vs Token-Based Authentication: Which One Should You Choose?” (28 December 2024). Their comparisons are restated below; the live parts are this server.',
  tryTitle: 'Try it: one account, three panes',
  tryText: 'Create a throw-away account, then sign in with it in each pane. Call the API, log out, log out everywhere, revoke a device, and watch the other panes.',
  jarsNote: 'One browser holds one cookie credential at a time: a session login ends a hybrid login in the same browser and the other way round. So that the session and hybrid panes can be signed in together, the development server gives each pane its own cookie jar (its cookies are stored under a pane prefix, e.g. __Host-hybrid.gh_access, with the same attributes). This page, the trace and the jars exist only in development.',
  createAccount: 'Create a demo account',
  demoAccount: 'Demo account:',
  flow: {
    title: 'The request flow, step by step',
    intro: 'The interview notes compare the two classic modes step by step; Gatehouse adds the hybrid. Each cell gives the claim, then what the pane above just did.',
    caption: 'Request flow per mode: the claim, and the live behaviour',
    step: 'Step',
    rows: [
      {
        id: 'login',
        label: 'Successful login',
        claims: {
          session: 'The server creates a session and answers with Set-Cookie carrying the session id.',
          token: 'The server issues tokens and answers with JSON: { access_token, expires_in, … }.',
          hybrid: 'The server issues the same tokens but puts them in HttpOnly cookies.',
        },
      },
      {
        id: 'storage',
        label: 'Where it is kept',
        claims: {
          session: 'A browser cookie, usually HttpOnly.',
          token: 'The front end chooses: localStorage, sessionStorage, a cookie or memory (gatehouse/client: memory).',
          hybrid: 'HttpOnly cookies: out of reach of page script.',
        },
      },
      {
        id: 'requests',
        label: 'Later requests',
        claims: {
          session: 'The browser sends the cookie by itself.',
          token: 'The front end adds Authorization: Bearer by hand.',
          hybrid: 'The browser sends the cookies; unsafe methods add the X-CSRF-Token header.',
        },
      },
      {
        id: 'check',
        label: 'How the server checks',
        claims: {
          session: 'It looks the session up in the session store.',
          token: 'It verifies the token’s signature, or compares against a deny or allow list.',
          hybrid: 'As token mode, reading the cookie.',
        },
      },
      {
        id: 'logout',
        label: 'Logout',
        claims: {
          session: 'The server deletes the session and answers with Set-Cookie clearing the cookie.',
          token: 'The front end drops the token; forcing it invalid needs a deny list or key rotation.',
          hybrid: 'The server revokes the family and clears the cookies.',
        },
      },
    ] satisfies FlowRow[],
  },
  pros: {
    title: 'Pros and cons, with the behaviour that shows them',
    items: [
      { title: 'Session: the cookie goes by itself', claim: 'Simple in the browser: nothing to attach to each request.', live: 'The session pane’s requests carry only Cookie: __Host-gh_session — no header was added by script.' },
      { title: 'Session: easy to revoke', claim: 'Deleting the session on the server ends it at once.', live: 'Log out everywhere from any pane: the session pane’s next request finds no session (session=unknown-or-ended).' },
      { title: 'Session: needs a store', claim: 'The server keeps a session store, and several servers must share it.', live: 'Every session request’s trace says session-store-read=1.' },
      { title: 'Session: CSRF', claim: 'A cookie goes with every request, forged ones too, so state-changing requests need CSRF protection.', live: 'POST /auth/token from the session pane carries X-CSRF-Token and passes (csrf-gate=passed); the “Forged POST” buttons send the cookies without it, as a cross-site form would, and get 403 csrf_failed. The token pane needs none: nothing is sent by itself.' },
      { title: 'Token: stateless, scales out', claim: 'The server checks a signature, not a store: any instance, any service can verify.', live: 'The token pane’s trace: signature=ok; claims=ok — no store read.' },
      { title: 'Token: carries its claims', claim: 'A token can carry the user’s roles and more, readable by whoever holds it.', live: 'The token pane decodes its access token: sub, roles, exp, sid, jti…' },
      { title: 'Token: hard to revoke, XSS', claim: 'A token stays valid until it expires unless there is a deny list; stored where script can read it, XSS can steal it.', live: 'The token pane holds its tokens in a JavaScript variable; see below for how Gatehouse revokes them.' },
      { title: 'Token: bigger on every request', claim: 'A JWT is larger than a session id and travels on every request.', live: 'Compare the Authorization header of the token pane with the session pane’s cookie.' },
    ],
  },
  gatehouse: {
    title: 'Where Gatehouse removes the trade-off',
    items: [
      { title: 'Tokens that revoke within milliseconds', text: 'Every verification checks a revocation list held in memory (jti, session id, and the user’s log-out-everywhere cut-off), kept current across instances through Redis and streamed to other services by the revocation feed. A revoked access token is refused at once, long before it expires.' },
      { title: 'Sessions that scale out', text: 'Sessions live in a shared store (PostgreSQL or Redis), so any number of instances serve the same users; a logout on one is seen by all.' },
      { title: 'The hybrid', text: 'Tokens in HttpOnly cookies plus a CSRF token: the token’s stateless check, the cookie’s safety from script.' },
    ],
    revocationIdle: 'Sign in in two or three panes, then press “Log out everywhere” in one: the time until each other pane is refused appears here.',
  },
  questions: {
    title: 'Three questions for choosing a mode',
    items: [
      { question: 'Do you share the login across domains or platforms?', answer: 'Yes: tokens are more flexible. No: a session is simpler.', gatehouse: 'Token mode for the mobile app or another origin; session mode for your own pages; both against the same accounts.' },
      { question: 'Several servers or microservices?', answer: 'Yes: tokens avoid replicating or centralising sessions. No: a session is easy and safe.', gatehouse: 'Other services verify tokens with gatehouse/verify (JWKS and the revocation feed); Gatehouse’s own sessions scale out on Redis or PostgreSQL.' },
      { question: 'High security (banking, enterprise)?', answer: 'A session with an HttpOnly cookie and CSRF protection is still the standard; light APIs and mobile use tokens over HTTPS with refresh tokens and a deny list.', gatehouse: 'Session or hybrid mode in the browser; token mode with rotating refresh tokens (reuse revokes the family) elsewhere.' },
    ],
  },
  hybrids: {
    title: 'Combinations',
    items: [
      { title: 'Internal enterprise systems:', text: 'sessions synchronised through Redis or a database — Gatehouse’s Redis and PostgreSQL stores.' },
      { title: 'Modern SPA and mobile app:', text: 'access token plus refresh token — token mode and gatehouse/client.' },
      { title: 'Large microservice systems:', text: 'JWT checked at the API gateway — forward auth (GET /auth/verify) or gatehouse/verify.' },
      { title: 'Tokens in HttpOnly cookies with a CSRF token:', text: 'the hybrid pane above.' },
      { title: 'Tokens for the API, sessions for the web pages:', text: 'POST /auth/token exchanges a session for a short-lived token for other services (the session pane’s POST button).' },
    ],
  },
  footer: 'Gatehouse explainer — development only. The request trace (X-Gatehouse-Trace) and the pane cookie jars are never sent in production.',
  otherLanguage: { href: '/es/', label: 'Leer en español', lang: 'es' },
  pane: {
    titles: { session: 'Session', token: 'Token (JWT)', hybrid: 'Hybrid' } as Record<Mode, string>,
    summaries: {
      session: 'An opaque session id in an HttpOnly cookie; the server looks it up in its session store.',
      token: 'A signed access token (JWT) and a refresh token, held by the page in memory and sent as Authorization: Bearer.',
      hybrid: 'The same tokens, in HttpOnly cookies, plus a CSRF token for state-changing requests.',
    } as Record<Mode, string>,
    signedIn: (email: string) => `Signed in as ${email}`,
    signedOut: 'Signed out',
    signIn: 'Sign in',
    forged: 'Forged POST (no CSRF token)',
    logout: 'Log out',
    logoutAll: 'Log out everywhere',
    devices: 'Devices',
    devicesOf: (pane: string) => `Devices of the ${pane} pane`,
    thisPane: '(this pane)',
    revoke: (mode: string) => `Revoke ${mode} device`,
    holds: 'What the client holds',
    inMemory: 'In memory (a JavaScript variable; any script in this page could read it):',
    accessToken: 'access token',
    refreshToken: 'refresh token',
    opaque: '(opaque)',
    decodedHeader: 'Decoded header',
    claimsCaption: 'Claims of the access token (readable by anyone who holds it)',
    nothingYet: 'Nothing yet.',
    cookiesSet: 'Cookies the server set (reported by the development server: page script cannot read HttpOnly cookies or Set-Cookie):',
    noneHeld: 'None held.',
    cleared: 'Cleared by the same answer (Max-Age=0):',
    scriptSees: 'shows:',
    nothing: 'nothing',
    tokenNoCookie: ' (token mode sets no cookie)',
    cookieNote: ' (the readable CSRF cookie at most: the credential is HttpOnly)',
    requests: 'Requests',
    noRequest: 'No request yet.',
    carried: 'Carried:',
    lookedUp: 'Server looked up:',
    nothingToAuthenticate: '— (nothing to authenticate)',
  },
  live: {
    signInToSee: 'Sign in to see it.',
    callToSee: 'Call GET /auth/me to see it.',
    logoutToSee: 'Log out to see it.',
    tokenLogin: 'JSON with access_token, refresh_token, expires_in; no Set-Cookie',
    memory: 'memory (this page’s JavaScript)',
    httpOnly: 'HttpOnly cookies (see the pane: not in document.cookie)',
    cookiesCleared: 'cookies cleared:',
    tokensDropped: 'the client drops its tokens, the server revokes the family',
    did: (pane: string, action: string) => `The ${pane} pane ${action}.`,
    refused: (pane: string, ms: number) => ` The ${pane} pane was refused ${ms} ms later.`,
    noOther: ' No other pane was signed in.',
    loggedOutEverywhere: 'logged out everywhere',
    revokedDevice: 'revoked a device',
    tag: 'live',
    see: 'see it',
    here: 'here',
  },
};

export type Content = typeof CONTENT_EN;
