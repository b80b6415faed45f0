// Test kit for a real browser: Debian's Chromium driven by playwright-core (never a downloaded browser), headless,
// with the flags this machine needs (no sandbox as root, no background networking to hosts it cannot reach).
// Tests that use it are skipped, saying why, when Chromium is not installed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './kit.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env['GATEHOUSE_TEST_CHROMIUM'] ?? ''];

/** The Chromium binary, or why browser tests are skipped. */
export function findChromium(): { bin?: string; skip?: string } {
  const bin = CANDIDATES.find((path) => path !== '' && existsSync(path));
  return bin ? { bin } : { skip: 'Chromium is not installed (CI installs it in .ci/run: apt-get install chromium)' };
}

export function launchChromium(bin: string): Promise<Browser> {
  return chromium.launch({
    executablePath: bin,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

let axeSource: string | undefined;

/** axe-core's violations on the page as it is now, each as `id: selectors` (axe is injected once per page). */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate<boolean>('typeof axe === "object"'))) await page.evaluate(axeSource);
  return page.evaluate<string[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  );
}
