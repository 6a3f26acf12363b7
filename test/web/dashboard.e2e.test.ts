import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { nodeProcessFlags } from '../../runtime/config/index.ts';
import { startChromium } from '../services/chromium.ts';

// The dashboard in a real Chromium, against one dev node that ran the papers' sample job: the
// request page reaches settled with its payouts, the reputation table lists the workers with their
// Elo, the explorer marks a proven value verified and a tampered proof not; a node killed
// mid-stream is said to be unreachable, and the page recovers once it is back. Screenshots of each
// view at 1280 and 390 px go to test/screenshots/ (gitignored).

const ain = join(process.cwd(), 'bin', 'ain.js');
const shots = join(process.cwd(), 'test', 'screenshots');
const waitMs = 30_000;

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves once the process printed a line matching it. */
  line(pattern: RegExp): Promise<string>;
}

/** Runs `ain …` in its own process group, reading its lines (stdout and stderr). */
function start(args: string[]): Running {
  // As npm start and bin/ain.js start a node: with the V8 flags it runs with.
  const child = spawn('node', [...nodeProcessFlags, ain, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const take = (line: string) => {
    lines.push(line);
    for (const w of [...waiting]) {
      if (!w.pattern.test(line)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  };
  createInterface({ input: child.stdout! }).on('line', take);
  createInterface({ input: child.stderr! }).on('line', take);
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return resolve(seen);
      waiting.push({ pattern, resolve });
      child.once('exit', (code) => reject(new Error(`ain ${args[0]} exited (${code}) before printing ${pattern}:\n${lines.slice(-30).join('\n')}`)));
    });
  return { child, url: '', line };
}

const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
};
const exited = (child: ChildProcess) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

let browser: Browser | undefined;
let dir: string;
let node: Running;
let url: string;
let port: number;
const children: ChildProcess[] = [];

test.before(async () => {
  browser = await startChromium();
  if (browser === undefined) return;
  dir = await mkdtemp(join(tmpdir(), 'ain-dashboard-'));
  await mkdir(shots, { recursive: true });
  // One node, the dev genesis, the sample at its smallest: an admin, an evaluator, two workers.
  // Its request with a time limit well past the sample's 3 s, which CI's load can make workers miss (see upCommand.e2e).
  node = start(['up', '--nodes', '1', '--evaluators', '1', '--workers', '2', '--port', '0', '--runtime', 'process', '--time-limit', '10000', '--data', dir]);
  children.push(node.child);
  url = /serving \S+ at (http:\/\/\S+)/.exec(await node.line(/serving \S+ at http/))![1]!;
  port = Number(new URL(url).port);
  await node.line(/the node keeps running/);
});

test.after.always(async () => {
  await browser?.close();
  for (const child of children) {
    killGroup(child, 'SIGKILL');
    await exited(child);
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function view(path: string, width = 1280): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 900 } });
  page.setDefaultTimeout(waitMs);
  await page.goto(`${url}/#/${path}`);
  return page;
}

const shoot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/** Both widths of a view, each screenshot taken once `ready` holds on the page. */
async function bothWidths(path: string, name: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  for (const width of [1280, 390]) {
    const page = await view(path, width);
    await ready(page);
    await shoot(page, `${name}-${width}`);
    await page.close();
  }
}

const requestId = async () => ((await (await fetch(`${url}/v1/requests`)).json()) as { requests: { id: string }[] }).requests[0]!.id;

test.serial('the request page reaches settled, with each worker’s lane and the payouts', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped (see the warning above)');
  const id = await requestId();
  const page = await view(`requests/${id}`);
  await page.locator('.stepper[data-state="settled"]').waitFor();
  // The block and time of each step come with the request's events, replayed from its block on.
  await page.locator('[data-step="settled"] .when', { hasText: /^block \d+ · / }).waitFor();
  t.regex(await page.locator('[data-step="requested"] .when').innerText(), /^block \d+ · /);
  t.is(await page.locator('[data-worker]').count(), 2);
  await page.locator('[data-worker] [data-payout]', { hasText: 'paid 10' }).waitFor();
  const payouts = await page.locator('[data-table="payouts"] tbody tr').allInnerTexts();
  t.true(
    payouts.some((row) => /reward\s+10/.test(row)),
    payouts.join('\n'),
  );
  t.true(payouts.some((row) => /fee\s+1/.test(row)));
  t.true(payouts.some((row) => /deposit\s+20/.test(row)));
  await shoot(page, 'request-1280');
  await page.close();
  await bothWidths(`requests/${id}`, 'request', (p) => p.locator('.stepper[data-state="settled"]').waitFor());
});

test.serial('the reputation table lists the workers with their Elo ratings, sortable', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped');
  const page = await view('nodes?role=worker');
  await page.locator('tr[data-role="worker"]').nth(1).waitFor();
  const elo = (await page.locator('tr[data-role="worker"] [data-elo]').allInnerTexts()).map(Number);
  t.is(elo.length, 2);
  // One ranking between the two workers: the winner gained what the other lost.
  t.true(elo[0]! > elo[1]!, `sorted by Elo, best first: ${elo.join(', ')}`);
  t.is(elo[0]! + elo[1]!, 3000);
  await page.locator('[data-sort="rating"]').click();
  await page.waitForURL(/desc=0/);
  // The address changes first, the table on its next render: wait for the lowest on top, then read the order.
  await page
    .locator('tr[data-role="worker"] [data-elo]')
    .first()
    .filter({ hasText: new RegExp(`^\\s*${elo[1]}\\s*$`) })
    .waitFor({ timeout: waitMs });
  t.deepEqual((await page.locator('tr[data-role="worker"] [data-elo]').allInnerTexts()).map(Number), [...elo].reverse());
  await page.close();
  await bothWidths('nodes', 'nodes', (p) => p.locator('[data-elo]').first().waitFor());
});

test.serial('the explorer marks a proven value verified, a tampered proof not verified, and checks txs’ inclusion proofs', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped');
  const page = await view('state/apps/demo');
  await page.locator('[data-verdict="verified"]').waitFor();
  await shoot(page, 'explorer-state-1280');
  // The test's own route in front of the node: the same answer with the value changed.
  await page.route('**/v1/proof/**', async (route) => {
    const answer = (await (await route.fetch()).json()) as { value: unknown };
    await route.fulfill({ json: { ...answer, value: { tampered: true } } });
  });
  await page.reload();
  await page.locator('[data-verdict="not verified"]').waitFor();
  t.is(await page.locator('[data-verdict="verified"]').count(), 0);
  await shoot(page, 'explorer-tampered-1280');
  // The view asks for the proof again as blocks come (and once more when its stream opens): wait
  // for a call still in the route before the page moves on, or its fulfil fails unhandled.
  await page.unrouteAll({ behavior: 'wait' });
  const { height } = (await (await fetch(`${url}/v1/tx/${await requestId()}`)).json()) as { height: number };
  await page.goto(`${url}/#/blocks/${height}`);
  await page.locator('[data-table="txs"] [data-verdict="verified"]').first().waitFor();
  t.is(await page.locator('[data-table="txs"] [data-verdict="not verified"]').count(), 0);
  await page.locator('.chainline[data-status="live"]').waitFor(); // every view keeps the header live
  await page.close();
  await bothWidths(`blocks/${height}`, 'explorer-block', (p) => p.locator('[data-verdict="verified"]').first().waitFor());
});

test.serial('the jobs table and a job’s page show the sample job with its stats line and its request', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped');
  const page = await view('jobs');
  const row = page.locator('tr[data-job]');
  await row.waitFor();
  t.regex(await row.innerText(), /1 evaluator, 2 workers running/);
  await row.locator('a').first().click();
  await page.locator('tr[data-request]').waitFor();
  t.regex(await page.locator('tr[data-request]').innerText(), /settled/);
  // The applicants with their answers to the schema's test data, from the job's events.
  await page.locator('[data-table="applicants"] td.mono', { hasText: /\{/ }).first().waitFor();
  t.is(await page.locator('[data-table="applicants"] tbody tr').count(), 4);
  await shoot(page, 'job-1280');
  // The client's account, live from its value stream.
  const { requests } = (await (await fetch(`${url}/v1/requests`)).json()) as { requests: { client: string }[] };
  await page.goto(`${url}/#/accounts/${requests[0]!.client}`);
  t.regex(await page.locator('[data-account] [data-figure="balance"] .value').innerText(), /^\d+$/);
  await shoot(page, 'account-1280');
  await page.close();
  await bothWidths('jobs', 'jobs', (p) => p.locator('tr[data-job]').waitFor());
});

test.serial(
  'a worker’s page charts its Elo over time; the client’s account shows the escrow its requests hold; the triggers view lists each block’s',
  async (t) => {
    if (browser === undefined) return t.pass('no Chromium: skipped');
    const { requests } = (await (await fetch(`${url}/v1/requests`)).json()) as { requests: { client: string; workers: string[] }[] };
    const { client, workers } = requests[0]!;
    // The worker's Elo from GET /v1/reputation/<address>/history, one point per block that moved it.
    const page = await view(`nodes/${workers[0]!}`);
    await page.locator('[data-chart="elo"] canvas').waitFor();
    t.regex(await page.locator('[data-table="node-jobs"] [data-elo]').first().innerText(), /^\d+$/);
    const history = (await (await fetch(`${url}/v1/reputation/${workers[0]!}/history`)).json()) as { points: { rating: number }[] };
    t.true(history.points.length >= 1);
    await page.close();
    await bothWidths(`nodes/${workers[0]!}`, 'node', (p) => p.locator('[data-chart="elo"] canvas').waitFor());
    // The request settled: the client's escrow holds nothing now, and the page says so.
    const escrow = (await (await fetch(`${url}/v1/accounts/${client}/requests`)).json()) as { locked: string };
    const account = await view(`accounts/${client}`);
    await account.locator('[data-figure="escrow"] .value', { hasText: /^\d+$/ }).waitFor();
    t.is(await account.locator('[data-figure="escrow"] .value').innerText(), escrow.locked);
    t.regex(await account.locator('[data-figure="stake"] .value').innerText(), /^\d+$/);
    await account.locator('[data-table="escrow"]').waitFor();
    await account.close();
    await bothWidths(`accounts/${client}`, 'account', (p) => p.locator('[data-table="escrow"]').waitFor());
    // The sample sets no function: the view says none fired, for the list and for one block.
    const triggers = await view('triggers');
    await triggers.locator('[data-table="triggers"] [data-empty="triggers"]').waitFor();
    await triggers.locator('.chainline[data-status="live"]').waitFor();
    await triggers.close();
    await bothWidths('triggers', 'triggers', (p) => p.locator('[data-table="triggers"] tbody tr').first().waitFor());
    const block = await view('blocks/2');
    await block.locator('[data-link="block-triggers"]').click();
    await block.waitForURL(/#\/triggers\/2$/);
    await block.locator('[data-table="triggers"] [data-empty="triggers"]').waitFor();
    await block.close();
  },
);

test.serial('the overview is live; a node killed mid-stream is said to be unreachable, and the page recovers once it is back', async (t) => {
  if (browser === undefined) return t.pass('no Chromium: skipped');
  t.timeout(120_000);
  await bothWidths('', 'overview', (p) => p.locator('[data-chart] canvas').waitFor());
  const page = await view('');
  await page.locator('.chainline[data-status="live"]').waitFor();
  await page.locator('[data-figure="height"] .value', { hasText: /^[1-9]\d*$/ }).waitFor();
  // One node: it proposed every block the panel lists; p50, p95 and p99 per job.
  t.regex(await page.locator('[data-network]').innerText(), /One node/);
  await page.locator('[data-table="proposers"] tbody tr').first().waitFor();
  t.is(new Set(await page.locator('[data-table="proposers"] tbody tr td:nth-child(3)').allInnerTexts()).size, 1);
  t.regex(await page.locator('[data-table="overview-jobs"] thead').innerText(), /p50[\s\S]*p95[\s\S]*p99/);
  t.regex(await page.locator('[data-table="overview-jobs"] tbody tr').first().innerText(), /\d+ ms|\d+\.\d s/);
  const before = Number(await page.locator('[data-figure="height"] .value').innerText());
  killGroup(node.child, 'SIGKILL');
  await exited(node.child);
  const banner = page.locator('[data-connection="unreachable"]');
  await banner.waitFor();
  t.regex(await banner.innerText(), /cannot be reached/);
  await shoot(page, 'overview-unreachable-1280');
  const again = start(['node', '--data', dir, '--port', String(port)]);
  children.push(again.child);
  await again.line(/node started/);
  await page.locator('[data-connection]').waitFor({ state: 'detached' });
  await page.locator('.chainline[data-status="live"]').waitFor();
  t.true(Number(await page.locator('[data-figure="height"] .value').innerText()) >= before);
  await page.close();
});
