// Target `http`: a real node (startNode on 127.0.0.1, a temp data dir, its file log and verify
// threads) answering generated requests to every route. Every answer: no 5xx, errors are
// `{ code, message }` with a listed code, nothing unanswered. After the last input the node stops,
// `ain audit`'s function replays its data dir (everything must match), and a replay up to the
// node's latest block must reach that block's state root.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { openFileLogReader, sha256Hex } from '../../../log/index.ts';
import { readAccount } from '../../../projections/index.ts';
import { auditDataDir, auditLog } from '../../../runtime/audit/index.ts';
import { readGenesis } from '../../../runtime/audit/auditDataDir.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { signBlobAuth } from '../../../runtime/storage/index.ts';
import { resolvePlans, testKeys } from '../../arbitraries/tx.ts';
import { Finding, type Target } from '../../harness.ts';
import { checkAnswer } from './checkResponse.ts';
import { requestSpec, send, sendable, type RequestSpec } from './requests.ts';

export interface LiveNode {
  readonly node: AinNode;
  readonly dataDir: string;
  /** The highest nonce each address had accepted, ahead of the ledger, so `next` nonces land. */
  readonly sent: Map<string, number>;
  fatal: unknown;
}

const answerMs = 10_000;
/** The fuzzer's own keys: what they sign is generated, true or not. */
const fuzzKeys = new Set(testKeys.map((k) => k.address));
const waitMs = 60_000;

/** The request's body and headers, signed and hashed now, against the node as it stands. */
function concrete(spec: RequestSpec, live: LiveNode): { headers: Record<string, string>; body: Buffer | undefined; path: string } {
  const { node, sent } = live;
  const nonceOf = (address: string) => Math.max(readAccount(node.ledger.tree, address).nonce, sent.get(address) ?? 0);
  const context = { nonceOf, nodeAddress: node.key.address, genesisHash: node.ledger.genesisHash };
  const headers: Record<string, string> = { ...spec.headers };
  let body: Buffer | undefined;
  let path = spec.path;
  const b = spec.body;
  if (b.kind === 'text') body = Buffer.from(b.text, 'utf8');
  else if (b.kind === 'tx') body = Buffer.from(resolvePlans([b.plan], context)[0]!, 'utf8');
  else if (b.kind === 'txs') {
    const texts = resolvePlans(b.plans, context);
    body = Buffer.from(b.wrapped ? `{"txs":[${texts.join(',')}]}` : `[${texts.join(',')}]`, 'utf8');
  } else if (b.kind === 'blob') {
    body = spec.method === 'PUT' ? Buffer.from(b.bytes) : undefined;
    const hash = spec.blobHashOfBody ? sha256Hex(Buffer.from(b.bytes)) : decodeURIComponentSafe(path.slice('/v1/blobs/'.length));
    if (spec.blobHashOfBody) path = `/v1/blobs/${hash}`;
    const signer = spec.blobSigner;
    if (signer === 'garbage') headers.authorization = 'Ain eyJ2IjoxfQ';
    else if (signer !== 'none') {
      const key = signer === 'node' ? node.key : testKeys[signer]!;
      headers.authorization = signBlobAuth({ key, method: spec.method === 'PUT' ? 'PUT' : 'GET', hash, timeMs: Date.now() });
    }
  }
  return { headers, body, path };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Notes the nonces of the txs the node accepted, so the next plans sign past them. */
function noteAccepted(body: Buffer | undefined, json: Record<string, unknown> | null, sent: Map<string, number>): void {
  if (body === undefined || json === null) return;
  const accepted = Array.isArray(json.results)
    ? (json.results as { offset?: unknown }[]).map((r) => typeof r.offset === 'number')
    : [typeof json.offset === 'number'];
  let texts: unknown[];
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    texts = Array.isArray(parsed) ? parsed : Array.isArray((parsed as { txs?: unknown[] }).txs) ? (parsed as { txs: unknown[] }).txs : [parsed];
  } catch {
    return;
  }
  for (const [i, tx] of texts.entries()) {
    const { from, nonce } = (tx ?? {}) as { from?: unknown; nonce?: unknown };
    if (accepted[i] === true && typeof from === 'string' && typeof nonce === 'number') sent.set(from, Math.max(sent.get(from) ?? 0, nonce));
  }
}

export const httpTarget: Target<RequestSpec, LiveNode> = {
  name: 'http',
  about:
    'generated requests (every route; methods, odd path encodings, queries, headers, signed txs, batches, blobs) to a live node, then an audit of its data dir',
  inputMs: 15_000,
  pure: false,
  clock: 'wall',
  arbitrary: requestSpec,
  async setup() {
    const dataDir = await mkdtemp(join(tmpdir(), 'ain-fuzz-node-'));
    // The node's own key may keep blobs (an operator's grant), so signed puts reach the store's paths.
    const storage = { reservations: { node: { bytesMax: 1 << 30, ttlMs: 3_600_000 } } };
    const config = await loadConfig({ flags: { dataDir, port: 0, verifyThreads: 1, block: { intervalMs: 20 }, storage } });
    const live: LiveNode = { node: undefined as unknown as AinNode, dataDir, sent: new Map(), fatal: undefined };
    (live as { node: AinNode }).node = await startNode({ config, logger: pino({ level: 'silent' }), onFatal: (error) => (live.fatal = error) });
    const { node } = live;
    // The node's key holds the supply: give the test keys some, and wait until a block has them.
    // Little, against the node's stake of 1,000,000: whatever they stake, the node alone (which
    // attests) keeps more than 2/3 of the stake, and blocks keep becoming final.
    for (const key of testKeys) await node.submit({ type: 'send', to: key.address, amount: '10000' });
    const funded = () => testKeys.every((k) => readAccount(node.ledger.tree, k.address).balance > 0n);
    if (!funded()) await firstValueFrom(node.blocks$.pipe(filter(funded), timeout(waitMs)));
    return live;
  },
  async check(spec, live) {
    if (live.fatal !== undefined) throw new Finding('crash', `the node stopped following its log: ${String(live.fatal)}`);
    const { headers, body, path } = concrete(spec, live);
    const route = `${spec.method} ${sendable(path)}${spec.query}`;
    let answer;
    try {
      answer = await send(new URL(live.node.url), spec.method, sendable(path) + spec.query, headers, body, answerMs);
    } catch (error) {
      // A connection reset while connecting (a loaded machine's accept queue) is the network's,
      // not the node's: the same request once more on a new connection must be answered.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw new Finding('hang', `${route} got no answer: ${(error as Error).message}`);
      answer = await send(new URL(live.node.url), spec.method, sendable(path) + spec.query, headers, body, answerMs).catch((again: unknown) => {
        throw new Finding('hang', `${route} got no answer, twice: ${(error as Error).message}, then ${(again as Error).message}`);
      });
    }
    if (spec.method === 'HEAD') {
      if (answer.status >= 500) throw new Finding('crash', `${route} answered ${answer.status}`);
      return;
    }
    const json = checkAnswer(answer, route);
    if (spec.method === 'POST') noteAccepted(body, json, live.sent);
  },
  async finish(live) {
    if (live === undefined) return [];
    const findings: Finding[] = [];
    let stopped = false;
    try {
      if (live.fatal !== undefined) findings.push(new Finding('crash', `the node stopped following its log: ${String(live.fatal)}`));
      const { node } = live;
      // The node's latest block (records after it wait for a cut that an idle chain need not make).
      const latest = node.blocks.latest()!;
      stopped = true;
      await node.stop();
      const report = await auditDataDir({ dataDir: live.dataDir, threads: 1 });
      // A test key that staked is a validator, and its attest ops carry hashes the fuzzer made up:
      // the audit rightly reports them as attestations the replay disagrees with, but they are the
      // fuzzer's lies, not the node's divergence (the node's own attestations must still match).
      const madeUp = (m: { kind: string; from?: string }) => m.kind === 'attestation' && m.from !== undefined && fuzzKeys.has(m.from);
      const mismatches = report.mismatches.filter((m) => !madeUp(m));
      const unlisted = report.unlisted.filter((u) => !madeUp(u));
      if (mismatches.length > 0 || unlisted.length > 0) {
        const first = mismatches[0];
        findings.push(
          new Finding(
            'divergence',
            first === undefined
              ? `ain audit of the node's data dir finds mismatches past its listing: ${JSON.stringify(unlisted)}`
              : `ain audit of the node's data dir finds ${mismatches.length} mismatch(es); the first: [${first.kind}${first.height === undefined ? '' : ` height ${first.height}`}${first.offset === undefined ? '' : ` offset ${first.offset}`}] ${first.message}`,
          ),
        );
      }
      const reader = await openFileLogReader(join(live.dataDir, 'log'));
      try {
        const last = latest.header.lastOffset;
        const source = {
          lastOffset: () => last,
          read: (from: number, options?: { maxRecords?: number }) =>
            reader.read(from, { maxRecords: Math.min(options?.maxRecords ?? Infinity, last - from + 1) }),
        };
        const replay = await auditLog({ source, genesis: await readGenesis(join(live.dataDir, 'genesis.json')), strictRecords: false });
        if (replay.blocks !== latest.header.height || replay.stateRoot !== latest.header.stateRoot) {
          findings.push(
            new Finding(
              'divergence',
              `the live node's block ${latest.header.height} has state root ${latest.header.stateRoot.slice(0, 16)}…; a replay of its log to offset ${last} gives ${replay.blocks} blocks and root ${replay.stateRoot.slice(0, 16)}…`,
            ),
          );
        }
      } finally {
        await reader.close();
      }
    } finally {
      if (!stopped) await live.node?.stop().catch(() => undefined);
      await rm(live.dataDir, { recursive: true, force: true });
    }
    return findings;
  },
  describe: (spec) => JSON.stringify(spec, (_k, v: unknown) => (v instanceof Uint8Array ? `(${v.byteLength} bytes)` : v)),
};
