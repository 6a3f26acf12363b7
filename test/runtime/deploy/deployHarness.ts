// What the e2e files of `ain deploy` share: `ain …` as a child process against a test engine, its
// --json events, and txs written through one node and waited for, final, on others.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { generateKeyPair, signTx, txHashOf } from '../../../log/index.ts';
import { until } from '../node/nodeProcess.ts';

const bin = join(process.cwd(), 'bin', 'ain.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `ain …` as a child process against the engine at `socketPath`. */
export function ainOn(socketPath: string): (args: string[], env?: NodeJS.ProcessEnv) => Promise<Run> {
  return (args, env = {}) =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [bin, ...args],
        { env: { ...process.env, DOCKER_HOST: `unix://${socketPath}`, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 400_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr }),
      );
    });
}

/** The last NDJSON event of that name an `ain … --json` run printed. */
export function eventOf<T>(run: Run, name: string): T {
  const events = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event?: string });
  const found = events.reverse().find((event) => event.event === name);
  if (found === undefined) throw new Error(`no ${name} event in:\n${run.stdout}\n${run.stderr}`);
  return found as T;
}

export const getJson = async <T>(url: string, path: string): Promise<T> => (await fetch(new URL(path, url))).json() as Promise<T>;

/** A final height as ain deploy status reads it: the last block the validators decided. */
export async function finalOf(url: string): Promise<number> {
  const net = await getJson<{ consensus?: { lastCommit: { height: number } | null } }>(url, '/v1/net').catch(() => undefined);
  return net?.consensus?.lastCommit?.height ?? 0;
}

/** A new user writes `value` under /apps/deploy/<address> (the path up opened) through `via`; resolves its tx hash. */
export async function writeThrough(via: string, value: number): Promise<string> {
  const key = generateKeyPair();
  const tx = signTx({ key, op: { type: 'set_value', path: `/apps/deploy/${key.address}`, value }, nonce: 1, time: Date.now() });
  const response = await fetch(new URL('/v1/tx', via), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tx) });
  if (response.status !== 202) throw new Error(`the tx was refused: ${await response.text()}`);
  return txHashOf(tx);
}

/** Waits until every node at `urls` has the tx in a block with outcome ok, and that block is final there; resolves its height. */
export async function untilFinalOn(urls: readonly string[], hash: string, timeoutMs = 120_000): Promise<number> {
  let height = 0;
  await until(
    async () => {
      for (const url of urls) {
        const landed = await getJson<{ height?: number; outcome?: { code: string } }>(url, `/v1/tx/${hash}`).catch(() => undefined);
        if (landed?.outcome?.code !== 'ok' || landed.height === undefined) return false;
        height = landed.height;
        if ((await finalOf(url)) < landed.height) return false;
      }
      return true;
    },
    `tx ${hash.slice(0, 12)} final on ${urls.length} nodes`,
    timeoutMs,
  );
  return height;
}
