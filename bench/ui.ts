import type { Browser, Page } from 'playwright-core';
import { startChromium } from '../test/services/chromium.ts';
import { pacedLoad, runLoadgen } from './ingestHttp.ts';
import { median, percentile, sustainedRate, withTempDir, type Figure } from './measure.ts';
import { startBenchNode } from './nodeFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const loads = 5;
const loadSeconds = 10;
const heightShown = '[data-figure="height"] .value';

/** One cold load of the overview: ms from navigation to its first figures, and the JavaScript it fetched. */
async function loadOnce(browser: Browser, url: string): Promise<{ ms: number; jsBytes: number; jsWireBytes: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scripts: Promise<{ body: number; wire: number }>[] = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    scripts.push(
      Promise.all([request.sizes(), request.response().then((r) => r?.body())]).then(([sizes, body]) => ({
        wire: sizes.responseBodySize + sizes.responseHeadersSize,
        body: body?.length ?? 0,
      })),
    );
  });
  await page.goto(url);
  // First meaningful paint: the height card shows the chain's height (the figures came from the node).
  await page.waitForFunction(`Number(document.querySelector('${heightShown}')?.textContent) > 0`, null, { polling: 'raf', timeout: 30_000 });
  const ms = (await page.evaluate('performance.now()')) as number;
  await page.waitForLoadState('networkidle').catch(() => undefined); // the stream never idles; the modules have come by then
  const sizes = await Promise.all(scripts);
  await context.close();
  return { ms, jsBytes: sizes.reduce((s, x) => s + x.body, 0), jsWireBytes: sizes.reduce((s, x) => s + x.wire, 0) };
}

/** Records in the page each change of the height card, with the wall clock of the frame that showed it. */
async function watchHeight(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const shown = (window.__shown = []);
    const cell = document.querySelector('${heightShown}');
    new MutationObserver(() => shown.push([Number(cell.textContent), Date.now()])).observe(cell, { childList: true, characterData: true, subtree: true });
  })()`);
}

/**
 * The dashboard in Debian's Chromium against a bench node: `ui.load.ms`, navigation to the
 * overview's first figures (median of cold loads, loopback); `ui.js.bytes` and `ui.js.wire`, the
 * page's JavaScript as modules and as sent (gzipped); `ui.update.ms`, p99 of block applied on the
 * node → its height shown on the overview, under the sustained ingest load (node.sustained).
 */
export async function benchUi(): Promise<Figure[]> {
  const browser = await startChromium();
  if (browser === undefined) throw new Error('ui: Chromium could not start (test/services/chromium.sh)');
  try {
    await waitForQuiet();
    const pace = Math.round(await sustainedRate());
    return await withTempDir('ui', async (dataDir) => {
      const node = await startBenchNode(dataDir);
      try {
        // A block, so the overview has a height to show.
        await runLoadgen({
          mode: 'batched',
          rounds: 1,
          txsPerRound: 500,
          warmupTxs: 0,
          batchTxs: 500,
          inFlight: 1,
          keys: 10,
          timeLimitMs: 30_000,
          url: node.url,
        });
        const runs = [];
        for (let i = 0; i < loads; i++) runs.push(await loadOnce(browser, node.url));
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(node.url);
        await page.waitForFunction(`Number(document.querySelector('${heightShown}')?.textContent) > 0`, null, { timeout: 30_000 });
        await watchHeight(page);
        const appliedAt = new Map<number, number>();
        const subscription = node.blocks$.subscribe((view) => appliedAt.set(view.header.height, Date.now()));
        const { result } = await runLoadgen(pacedLoad(node.url, pace, loadSeconds));
        await new Promise((resolve) => setTimeout(resolve, 2000)); // the last blocks reach the page
        subscription.unsubscribe();
        if (result.failedRequests > 0) throw new Error(`ui: ${result.failedRequests} failed requests; ${result.problems.join(' | ')}`);
        const shown = (await page.evaluate('window.__shown')) as [number, number][];
        const latencies: number[] = [];
        for (const [height, at] of appliedAt) {
          // A frame shows the latest height it has: a block is shown by the first frame at or past it.
          const seen = shown.find(([h]) => h >= height);
          if (seen !== undefined) latencies.push(seen[1] - at);
        }
        if (latencies.length === 0) throw new Error('ui: no block was shown on the page');
        const load = median(runs.map((r) => r.ms));
        const note = `${latencies.length} blocks under ${pace} txs/s (node.sustained) for ${loadSeconds} s; height shown − block applied`;
        return [
          {
            name: 'ui.load.ms',
            value: load,
            unit: 'ms',
            samples: runs.map((r) => r.ms),
            note: 'navigation → the overview shows the height, cold cache, loopback',
          },
          { name: 'ui.update.ms', value: percentile(latencies, 99), unit: 'ms', note },
          { name: 'ui.update.p50.ms', value: percentile(latencies, 50), unit: 'ms' },
          { name: 'ui.js.bytes', value: runs[0]!.jsBytes, unit: 'bytes', note: 'the page’s JavaScript modules, uncompressed' },
          { name: 'ui.js.wire', value: runs[0]!.jsWireBytes, unit: 'bytes', note: 'as transferred (gzip, headers included)' },
        ];
      } finally {
        await node.stop();
      }
    });
  } finally {
    await browser.close();
  }
}
