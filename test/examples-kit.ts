// Test kit for the example apps (examples/): each started as its own process the way `npm run example:…` starts
// it (plain `node`, importing the built package by its name), on free ports, with none of this machine's
// GATEHOUSE_* variables; and the few steps every example page shares (sign up, sign in, add a note, which part
// of the page shows). GATEHOUSE_TEST_SCREENSHOTS=DIR saves a screenshot of each named step there.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './kit.js';

export const PASSWORD = 'correct horse battery staple';

export interface RunningExample {
  /** The page's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Everything it wrote so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `node examples/SCRIPT` with `env`; resolves once it logs the page's URL (`… on http://127.0.0.1:PORT`). */
export function startExample(script: string, env: Record<string, string>): Promise<RunningExample> {
  if (!existsSync(join(ROOT, 'dist', 'client', 'index.js'))) {
    throw new Error('the examples import the built package: run `npm run build` first (`npm test` does)');
  }
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GATEHOUSE_')));
  const child = spawn(process.execPath, [join(ROOT, 'examples', script)], { cwd: ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`${script} did not start:\n${output}`))), 20_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, output: () => output, stop });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
}

/** Saves a screenshot of `page` as NAME.png in GATEHOUSE_TEST_SCREENSHOTS, when that is set. */
export async function snap(page: Page, name: string): Promise<void> {
  const dir = process.env['GATEHOUSE_TEST_SCREENSHOTS'];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** Fills the sign-in form of the page and presses "Create account" (which registers, then signs in) or "Sign in". */
export async function submitCredentials(page: Page, email: string, action: 'register' | 'login'): Promise<void> {
  await page.fill('#auth input[name=email]', email);
  await page.fill('#auth input[name=password]', PASSWORD);
  await page.click(`#auth button[value=${action}]`);
}

/** Waits until the page shows the signed-in part (`#who`, naming `email`). */
export async function signedIn(page: Page, email: string): Promise<void> {
  await page.locator('#who', { hasText: email }).waitFor({ state: 'visible', timeout: 10_000 });
}

/** Waits until the page shows the sign-in form. */
export async function signedOut(page: Page): Promise<void> {
  await page.locator('#auth').waitFor({ state: 'visible', timeout: 10_000 });
}

/** Adds a note through the page's form and waits until the list shows it. */
export async function addNote(page: Page, text: string): Promise<void> {
  await page.fill('#note input[name=text]', text);
  await page.click('#note button');
  await page.locator('#notes li', { hasText: text }).waitFor({ timeout: 10_000 });
}

/** The notes the page lists. */
export function notes(page: Page): Promise<string[]> {
  return page.locator('#notes li').allTextContents();
}
