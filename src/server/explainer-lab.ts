// Owns the live explainer's development-only machinery on the standalone server (on when `traceEnabled`, never in
// production): per-pane cookie jars and the cookie report. One browser holds one cookie credential at a time (a
// session login ends a hybrid one and clears its cookies, and the other way round), so that the explainer's
// session and hybrid panes can be signed in side by side, a request naming its pane (`X-Gatehouse-Pane: session |
// token | hybrid`) has its Set-Cookie names stored under the pane (`__Host-hybrid.gh_access`, attributes untouched)
// and only that pane's cookies handed back to Gatehouse under their real names; a request naming no pane never
// sees a pane's cookies. Every answer also reports, for page script that cannot read HttpOnly cookies or
// Set-Cookie: the names of the auth cookies Gatehouse received (`X-Gatehouse-Cookies`, when there were any) and the cookies it set,
// their attributes without their values (`X-Gatehouse-Set-Cookie`, JSON). Only requests that ask for the trace
// (trace.ts: a pane, or `X-Gatehouse-Trace: 1`) go through the lab; any other request is left as it came, and pays
// one header read (a pane's cookies have names Gatehouse never reads, `session.gh_session`, so they stay unseen).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { asksForTrace, PANE_HEADER } from '../http/trace.js';
export const COOKIES_HEADER = 'x-gatehouse-cookies';
export const SET_COOKIE_HEADER = 'x-gatehouse-set-cookie';

const PANES: ReadonlySet<string> = new Set(['session', 'token', 'hybrid']);
/** A Gatehouse auth cookie name: its prefix, and the bare name. */
const AUTH_NAME = /^(__Host-|__Secure-)?(gh_[a-z]+)$/;
/** A pane's stored name: prefix, pane, bare name. */
const PANE_NAME = /^(__Host-|__Secure-)?(session|token|hybrid)\.(gh_[a-z]+)$/;

function paneOf(request: FastifyRequest): string | undefined {
  const pane = request.headers[PANE_HEADER];
  return typeof pane === 'string' && PANES.has(pane) ? pane : undefined;
}

/** The Cookie header as Gatehouse sees it for `pane` (none: no pane's cookies), and the auth cookie names in it. */
export function cookiesFor(header: string, pane: string | undefined): { header: string; names: string[] } {
  const kept: string[] = [];
  const names: string[] = [];
  for (const pair of header.split(/;\s*/)) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = at === -1 ? pair : pair.slice(0, at);
    const own = PANE_NAME.exec(name);
    if (own) {
      if (own[2] !== pane) continue;
      const real = `${own[1] ?? ''}${own[3] ?? ''}`;
      kept.push(`${real}${pair.slice(name.length)}`);
      names.push(real);
    } else if (AUTH_NAME.test(name)) {
      if (pane !== undefined) continue; // the page's own cookie credential is not a pane's
      kept.push(pair);
      names.push(name);
    } else {
      kept.push(pair);
    }
  }
  return { header: kept.join('; '), names };
}

/** A Set-Cookie line's name and attributes, never its value. */
export function describeSetCookie(line: string): { name: string; attributes: string[] } {
  const [first = '', ...attributes] = line.split(/;\s*/);
  return { name: first.slice(0, Math.max(0, first.indexOf('='))), attributes };
}

/** A Set-Cookie line stored under the pane: the same attributes, the pane's name. */
export function paneSetCookie(line: string, pane: string): string {
  return line.replace(/^(__Host-|__Secure-)?(gh_[a-z]+)=/, (_match, prefix: string | undefined, name: string) => `${prefix ?? ''}${pane}.${name}=`);
}

/** What the server's own hooks call for the lab (one hook each for the server, not two): only when `traceEnabled(config)`, never in production. */
export interface ExplainerLab {
  /** As a request is routed: a pane's request gets its pane's cookies under their real names. */
  received(request: FastifyRequest): void;
  /** As its answer is sent: the cookie report, and a pane's Set-Cookie names stored under the pane. */
  sending(request: FastifyRequest, reply: FastifyReply): void;
}

export function createExplainerLab(): ExplainerLab {
  const received = new WeakMap<FastifyRequest, string[]>();
  return {
    received(request) {
      const header = request.headers.cookie;
      if (header === undefined || !asksForTrace(request.headers)) return;
      const seen = cookiesFor(header, paneOf(request));
      if (seen.header === '') delete request.headers.cookie;
      else request.headers.cookie = seen.header;
      received.set(request, seen.names);
    },
    sending(request, reply) {
      if (!asksForTrace(request.headers)) return;
      const pane = paneOf(request);
      const raw = reply.getHeader('set-cookie');
      const lines = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
      if (lines.length > 0) {
        reply.header(SET_COOKIE_HEADER, JSON.stringify(lines.map(describeSetCookie).map((cookie) => ({
          ...cookie,
          storedAs: pane === undefined ? cookie.name : describeSetCookie(paneSetCookie(`${cookie.name}=`, pane)).name,
        }))));
        if (pane !== undefined) reply.removeHeader('set-cookie').header('set-cookie', lines.map((line) => paneSetCookie(line, pane)));
      }
      const names = received.get(request);
      if (names !== undefined && names.length > 0) reply.header(COOKIES_HEADER, names.join(', '));
    },
  };
}
