import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const script = join(process.cwd(), 'test/services/chromium.sh');
/** The first run may install Debian's chromium; later runs answer at once. */
const INSTALL_TIMEOUT_MS = 600_000;

/**
 * Debian's Chromium (from `chromium.sh`), launched headless by playwright-core for the calling
 * test file, or why it cannot be. Under `CI=true` a browser that cannot start throws (the run
 * fails); elsewhere it warns loudly, naming the missing service, and resolves `undefined` so the
 * caller registers skipped tests. Close the browser at the end (`browser.close()`).
 * @example
 * const browser = await startChromium();
 * if (browser === undefined) test.skip('chromium: no browser', () => {});
 */
export async function startChromium(): Promise<Browser | undefined> {
  try {
    const executablePath = await findChromium();
    return await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(`\n*** SKIPPING browser tests: Chromium could not start (test/services/chromium.sh).\n${String(error)}\n`);
    return undefined;
  }
}

function findChromium(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script], { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const path = /^CHROMIUM=(.+)$/m.exec(stdout)?.[1];
      if (error !== null || path === undefined) reject(new Error(`chromium.sh printed no CHROMIUM line.\n${stderr.split('\n').slice(-40).join('\n')}`));
      else resolve(path);
    });
  });
}
