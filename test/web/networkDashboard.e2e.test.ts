import test from 'ava';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { initNetwork, openUserPaths, startNetwork } from '../runtime/consensus/networkHarness.ts';
import { startChromium } from '../services/chromium.ts';

// The dashboard's overview in a real Chromium, on node 1 of a network of four validators (each
// `ain node` a child process): every validator's row says its node answers and the health panel
// that nothing is wrong; once a validator is killed, its row says its node does not answer and
// the panel shows VALIDATORS_UNREACHABLE naming it, as GET /v1/net and /v1/health do. It waits
// for what the page shows, bounded by playwright's timeout; screenshots go to test/screenshots/.

const shots = join(process.cwd(), 'test', 'screenshots');
/** Presence's 10 s window, its 2 s rounds and the page's 5 s reads, with room for a loaded CI machine. */
const waitMs = 60_000;

let browser: Browser | undefined;

test.before(async () => {
  browser = await startChromium();
  await mkdir(shots, { recursive: true });
});

test.after.always(async () => {
  await browser?.close();
});

const reach = (page: Page, address: string) => page.locator(`tr[data-validator="${address}"] [data-reach]`);

test('on a network the overview shows whether each validator’s node answers and what keeps the node from its work; a killed validator shows in both', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped');
  t.timeout(240_000);
  const files = await initNetwork(t, 4);
  const nodes = await startNetwork(t, files);
  // A block, so the latest blocks list its proposer.
  await openUserPaths(files, nodes[0]!);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  t.teardown(() => page.close());
  page.setDefaultTimeout(waitMs);
  await page.goto(`${nodes[0]!.url}/#/`);
  await page.locator('[data-health="ok"]').waitFor();
  for (const { address } of files.nodes) await reach(page, address).filter({ hasText: 'answers' }).waitFor();
  t.is(await page.locator('[data-table="validators"] tbody tr').count(), 4);
  await page.locator('[data-network]', { hasText: '3 peers connected; 4 validators' }).waitFor();
  await page.locator('[data-table="proposers"] tbody tr').first().waitFor();
  await page.screenshot({ path: join(shots, 'overview-network-1280.png'), fullPage: true });

  const victim = files.nodes[3]!;
  await nodes[3]!.kill('SIGKILL');
  await reach(page, victim.address).filter({ hasText: 'not answering' }).waitFor();
  const problem = page.locator('[data-health="problems"] [data-problem="VALIDATORS_UNREACHABLE"]');
  await problem.waitFor();
  t.is(await problem.locator(`[data-names="validators"] a[title="${victim.address}"]`).count(), 1, await problem.innerText());
  t.regex(await problem.innerText(), /VALIDATORS_UNREACHABLE/);
  for (const { address } of files.nodes.slice(0, 3)) await reach(page, address).filter({ hasText: 'answers' }).waitFor();
  await page.screenshot({ path: join(shots, 'overview-network-unreachable-1280.png'), fullPage: true });
});
