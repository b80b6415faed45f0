// Checks real responses against the OpenAPI document (src/http/openapi.ts): the operation by method and path
// template, the response by status (or `default`), and a JSON body against its schema with ajv (JSON Schema
// 2020-12). createClient (helpers.ts) runs every response of the suite through `checkResponse`.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../src/http/openapi.js';
import { API_REFERENCE_PATH, API_REFERENCE_STYLE_PATH } from '../src/server/api-reference.js';
import { UI_ASSETS_PREFIX } from '../src/server/ui.js';
import { UI_PAGES } from '../src/server/ui-pages.js';

type Json = Record<string, unknown>;

// ajv-formats is CommonJS: under NodeNext its default import is the module object, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

const DOCUMENT_ID = 'https://gatehouse.invalid/openapi.json';
const paths = OPENAPI_DOCUMENT['paths'] as Record<string, Record<string, Json | undefined>>;

/** The hosted pages (HTML for people, not the API): outside the document, and not checked. */
const PAGES: ReadonlySet<string> = new Set([...UI_PAGES.map((page) => page.path), API_REFERENCE_PATH, API_REFERENCE_STYLE_PATH]);
export const isHostedPage = (path: string): boolean => PAGES.has(path) || path.startsWith(UI_ASSETS_PREFIX);

/** Each path template as a regular expression over a concrete path (`{id}`: one segment). */
const TEMPLATES = Object.keys(paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`),
}));

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function validator(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ ...structuredClone(OPENAPI_DOCUMENT), $id: DOCUMENT_ID });
    }
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const GENERIC: Record<number, string> = { 404: '/components/responses/NotFound', 400: '/components/responses/Malformed' };

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The document's path template for a concrete path, if any. */
export function templateOf(path: string): string | undefined {
  const bare = path.split('?')[0] ?? path;
  // A literal template wins over one with a parameter (`/auth/sessions` vs `/auth/sessions/{id}`).
  return paths[bare] ? bare : TEMPLATES.find(({ pattern }) => pattern.test(bare))?.template;
}

export interface CheckedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * Why `response` does not conform to the document, or null when it does. `standalone`: the standalone server, where
 * a path or method outside the document must be the generic 404; an adapter's host app may have its own routes.
 */
export function responseProblem(response: CheckedResponse, standalone: boolean): string | null {
  const method = response.method.toLowerCase();
  // A CORS preflight (`OPTIONS /auth/*`) is no operation; HEAD is answered as GET, without a body.
  if (method === 'options') return null;
  if (isHostedPage(response.path.split('?')[0] ?? '')) return null;
  const template = templateOf(response.path);
  const item = template === undefined ? undefined : paths[template];
  const operation = item?.[method === 'head' ? 'get' : method];
  if (!template || !operation) {
    if (!standalone) return null;
    // Outside the document: the generic 404, or the generic 400 for a path that cannot even be decoded.
    const generic = GENERIC[response.status];
    return generic ? checkBody(response, generic, null) : 'expected the generic 404 (not in the document)';
  }
  const responses = operation['responses'] as Record<string, Json>;
  const key = String(response.status) in responses ? String(response.status) : 'default' in responses ? 'default' : undefined;
  if (key === undefined) return `status ${response.status} is not documented (documented: ${Object.keys(responses).join(', ')})`;
  return checkBody(response, `/paths/${escape(template)}/${method === 'head' ? 'get' : method}/responses/${key}`, null);
}

function checkBody(response: CheckedResponse, pointer: string, problem: string | null): string | null {
  if (problem) return problem;
  const documented = responseAt(pointer);
  const content = documented['content'] as Record<string, Json> | undefined;
  if (response.method.toUpperCase() === 'HEAD') return null;
  if (!content) return response.body === null || response.body === undefined ? null : 'a body where the document has none';
  if (!('application/json' in content)) return null;
  if (!/^application\/json/.test(response.contentType)) return `content-type ${response.contentType || '(none)'}, not application/json`;
  const validate = validator(`${pointer}/content/application~1json/schema`);
  if (validate(response.body)) return null;
  return `body does not match ${pointer}: ${JSON.stringify(validate.errors)}`;
}

function responseAt(pointer: string): Json {
  let node: unknown = OPENAPI_DOCUMENT;
  for (const part of pointer.slice(1).split('/')) node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node as Json;
}

/** Throws, naming the request, when the response does not conform (the test that made it fails). */
export function checkResponse(response: CheckedResponse, standalone: boolean): void {
  const problem = responseProblem(response, standalone);
  if (problem) {
    throw new Error(`OpenAPI: ${response.method} ${response.path} answered ${response.status}, not as documented: ${problem}; body: ${JSON.stringify(response.body)?.slice(0, 500)}`);
  }
}
