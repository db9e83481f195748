// Debian's Chromium driven by playwright-core: no browser download, a fresh profile per launch.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { OUTPUT } from './gateway.mjs';

/** The browser binary: TETHER_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.TETHER_CHROMIUM || '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium with a fresh user data directory; its pages share one context (localStorage, Web Locks,
 * BroadcastChannel), as tabs of one browser profile do.
 */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) `
      + 'or set TETHER_CHROMIUM');
  }
  const profile = mkdtempSync(join(tmpdir(), 'tether-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 900, height: 640 },
  });
  context.setDefaultTimeout(30_000);
  const errors = [];
  context.on('weberror', (error) => errors.push(error.error()));
  return {
    context,
    /** Uncaught errors of any page so far; a test ends by checking there are none. */
    errors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Writes a screenshot of the page to test-browser/output/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
