// Owns the standalone server's API description: `GET /openapi.json` (the document of http/openapi.ts, cacheable,
// with an ETag) and, with the hosted pages on (GATEHOUSE_UI), the API reference page at `/api`: that document
// rendered on the server as plain HTML — every operation by tag with its method, path, summary, body fields,
// responses and error codes, then the schemas — under the hosted pages' CSP (ui.ts), no script, everything escaped.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GatehouseConfig } from '../core/config.js';
import { securityHeaders } from '../http/headers.js';
import { OPENAPI_DOCUMENT, OPENAPI_JSON } from '../http/openapi.js';
import { pageHeaders, UI_ASSETS_PREFIX } from './ui.js';

export const OPENAPI_PATH = '/openapi.json';
export const API_REFERENCE_PATH = '/api';
export const API_REFERENCE_STYLE_PATH = '/api/reference.css';

type Json = { readonly [key: string]: unknown };

/** The document and the page change only with a new version: a client may keep them a few minutes, then revalidate. */
const CACHE_CONTROL = 'public, max-age=300';

const STYLE = `/* The API reference page (server/api-reference.ts), on top of the hosted pages' theme.css. */
.ar-main { margin: 0 auto; padding: 2rem 1rem 3rem; max-width: 60rem; }
.ar-nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; list-style: none; }
.ar-op { border: 1px solid var(--gh-border, #c9ced6); border-radius: var(--gh-radius, 10px); background: var(--gh-surface, #fff); padding: 1rem; margin: 0 0 1rem; }
.ar-op h3 { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; font-size: 1rem; }
.ar-method { font-family: var(--gh-mono, monospace); font-weight: 700; text-transform: uppercase; min-width: 4.5rem; }
.ar-path { font-family: var(--gh-mono, monospace); overflow-wrap: anywhere; }
.ar-op table { border-collapse: collapse; width: 100%; margin: 0 0 .75rem; font-size: .95rem; }
.ar-op th, .ar-op td { text-align: left; vertical-align: top; padding: .25rem .5rem .25rem 0; border-top: 1px solid var(--gh-border, #c9ced6); }
.ar-muted { color: var(--gh-muted, #545b66); }
`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
/** Inline `code` spans of the document's Markdown-ish prose, the rest escaped. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A string field of the document, or '' (it has no other kind where this reads). */
const text = (value: Json, key: string): string => (typeof value[key] === 'string' ? value[key] : '');
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, key: string): Json => {
  const inner = isObject(value) ? value[key] : undefined;
  return isObject(inner) ? inner : {};
};

const schemas = objectAt(objectAt(OPENAPI_DOCUMENT, 'components'), 'schemas');

/** A schema's name when it is a reference to one of the components. */
function refName(schema: Json): string | undefined {
  const target = schema['$ref'];
  return typeof target === 'string' ? target.replace('#/components/schemas/', '') : undefined;
}

/** A short type for a schema: a link to a named one, `string`, `array of X`, `a | b`, a constant or an enum. */
function typeOf(schema: Json): string {
  const name = refName(schema);
  if (name !== undefined) return `<a href="#schema-${escapeHtml(slug(name))}">${escapeHtml(name)}</a>`;
  if ('const' in schema) return `<code>${escapeHtml(JSON.stringify(schema['const']))}</code>`;
  const options = schema['oneOf'] ?? schema['anyOf'];
  if (Array.isArray(options)) return options.map((option) => (isObject(option) ? typeOf(option) : '')).join(' | ');
  if (Array.isArray(schema['enum'])) return schema['enum'].map((value) => `<code>${escapeHtml(JSON.stringify(value))}</code>`).join(' | ');
  const type = typeof schema['type'] === 'string' ? schema['type'] : 'object';
  if (type === 'array') return `array of ${typeOf(objectAt(schema, 'items'))}`;
  const format = typeof schema['format'] === 'string' ? ` (${escapeHtml(schema['format'])})` : '';
  return `${escapeHtml(type)}${format}`;
}

/** A table of an object schema's fields: name, type, required, description. */
function fieldsTable(schema: Json): string {
  const properties = objectAt(schema, 'properties');
  const names = Object.keys(properties);
  if (names.length === 0) return '';
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const rows = names.map((name) => {
    const field = objectAt(properties, name);
    const description = typeof field['description'] === 'string' ? prose(field['description']) : '';
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${typeOf(field)}</td><td>${required.has(name) ? 'required' : 'optional'}</td><td>${description}</td></tr>`;
  });
  return `<table><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Presence</th><th scope="col">Description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function operationHtml(path: string, method: string, operation: Json): string {
  const id = typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method}-${path}`;
  const parts = [
    `<section class="ar-op" id="op-${escapeHtml(slug(id))}" aria-labelledby="op-${escapeHtml(slug(id))}-title">`,
    `<h3 id="op-${escapeHtml(slug(id))}-title"><span class="ar-method">${escapeHtml(method)}</span> <span class="ar-path">${escapeHtml(path)}</span></h3>`,
    `<p>${prose(text(operation, 'summary'))}</p>`,
  ];
  if (typeof operation['description'] === 'string') {
    for (const paragraph of operation['description'].split('\n\n')) parts.push(`<p class="ar-muted">${prose(paragraph)}</p>`);
  }
  const security = operation['security'];
  if (Array.isArray(security)) {
    const ways = security.map((requirement) => (isObject(requirement) && Object.keys(requirement).length > 0 ? Object.keys(requirement).join(' + ') : 'none'));
    parts.push(`<p><strong>Credentials:</strong> ${ways.map((way) => `<code>${escapeHtml(way)}</code>`).join(' or ')}</p>`);
  }
  const parameters = Array.isArray(operation['parameters']) ? operation['parameters'].filter(isObject) : [];
  if (parameters.length > 0) {
    const list = parameters.map((parameter) => `<li><code>${escapeHtml(String(parameter['name']))}</code> (${escapeHtml(String(parameter['in']))})${typeof parameter['description'] === 'string' ? `: ${prose(parameter['description'])}` : ''}</li>`);
    parts.push(`<h4>Parameters</h4><ul>${list.join('')}</ul>`);
  }
  const body = objectAt(objectAt(objectAt(operation, 'requestBody'), 'content'), 'application/json');
  if (isObject(body['schema'])) {
    const schema = body['schema'];
    const note = typeof schema['description'] === 'string' ? ` ${prose(schema['description'])}` : '';
    const optional = objectAt(operation, 'requestBody')['required'] === false ? ' (optional)' : '';
    parts.push(`<h4>Body</h4><p>JSON object${optional}.${note}</p>${fieldsTable(schema)}`);
  }
  const responses = objectAt(operation, 'responses');
  const rows = Object.entries(responses).filter(([, response]) => isObject(response)).map(([status, response]) => {
    const documented = response as Json;
    const content = objectAt(documented, 'content');
    const json = objectAt(content, 'application/json');
    const errors = /^[45]/.test(status);
    const what = errors ? prose(text(documented, 'description')) : isObject(json['schema']) ? typeOf(json['schema']) : Object.keys(content).map((type) => `<code>${escapeHtml(type)}</code>`).join(', ');
    const note = errors ? '' : prose(text(documented, 'description'));
    return `<tr><td>${escapeHtml(status)}</td><td>${what}</td><td>${note}</td></tr>`;
  });
  parts.push(`<h4>Responses</h4><table><thead><tr><th scope="col">Status</th><th scope="col">Body or error codes</th><th scope="col">Meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  parts.push('</section>');
  return parts.join('\n');
}

/** The page: every operation grouped by tag, then every schema. Built once. */
export function apiReferenceHtml(): string {
  const info = objectAt(OPENAPI_DOCUMENT, 'info');
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(objectAt(OPENAPI_DOCUMENT, 'paths'))) {
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      if (!isObject(operation)) continue;
      const tag = Array.isArray(operation['tags']) ? String(operation['tags'][0]) : 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, method, operation)]);
    }
  }
  const tags = [...byTag.keys()];
  const schemaSections = Object.entries(schemas).map(([name, schema]) => {
    const described = isObject(schema) && typeof schema['description'] === 'string' ? `<p>${prose(schema['description'])}</p>` : '';
    const shape = isObject(schema) && !isObject(schema['properties']) ? `<p>${typeOf({ ...schema, description: undefined })}</p>` : '';
    return `<section class="ar-op" id="schema-${escapeHtml(slug(name))}"><h3>${escapeHtml(name)}</h3>${described}${shape}${isObject(schema) ? fieldsTable(schema) : ''}</section>`;
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>API reference · ${escapeHtml(text(info, 'title'))}</title>`,
    `<link rel="stylesheet" href="${UI_ASSETS_PREFIX}theme.css">`,
    `<link rel="stylesheet" href="${API_REFERENCE_STYLE_PATH}">`,
    '</head>',
    '<body>',
    '<main class="ar-main">',
    `<h1>${escapeHtml(text(info, 'title'))} HTTP API <span class="ar-muted">${escapeHtml(text(info, 'version'))}</span></h1>`,
    `<p>${prose(text(info, 'description'))}</p>`,
    `<p>The machine-readable document: <a href="${OPENAPI_PATH}"><code>GET ${OPENAPI_PATH}</code></a> (OpenAPI ${escapeHtml(text(OPENAPI_DOCUMENT, 'openapi'))}).</p>`,
    `<nav class="ar-nav" aria-label="Sections"><ul>${[...tags, 'Schemas'].map((tag) => `<li><a href="#tag-${escapeHtml(slug(tag))}">${escapeHtml(tag)}</a></li>`).join('')}</ul></nav>`,
    ...tags.map((tag) => `<h2 id="tag-${escapeHtml(slug(tag))}">${escapeHtml(tag)}</h2>\n${(byTag.get(tag) ?? []).join('\n')}`),
    `<h2 id="tag-schemas">Schemas</h2>`,
    ...schemaSections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const etagOf = (text: string) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;

/** Adds `GET /openapi.json`, and with `page` the reference page and its style sheet. */
export function registerApiReference(app: FastifyInstance, config: Readonly<GatehouseConfig>, options: { page: boolean }): void {
  const headers = securityHeaders(config);
  const answer = (path: string, body: string, type: string, extra: Record<string, string>) => {
    const etag = etagOf(body);
    app.get(path, (request, reply) => {
      reply.headers({ ...headers, ...extra }).header('content-type', type).header('cache-control', CACHE_CONTROL).header('etag', etag);
      if (request.headers['if-none-match'] === etag) {
        void reply.code(304).send();
        return;
      }
      void reply.send(body);
    });
  };
  answer(OPENAPI_PATH, OPENAPI_JSON, 'application/json; charset=utf-8', {});
  if (!options.page) return;
  answer(API_REFERENCE_PATH, apiReferenceHtml(), 'text/html; charset=utf-8', pageHeaders(config));
  answer(API_REFERENCE_STYLE_PATH, STYLE, 'text/css; charset=utf-8', {});
}
