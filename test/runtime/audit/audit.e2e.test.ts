import test from 'ava';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { generateKeyPair, signTx } from '../../../events/index.ts';
import { frameChecksum, FRAME_HEADER_BYTES } from '../../../events/log/framing.ts';
import { auditDataDir } from '../../../runtime/audit/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode } from '../../../runtime/node/index.ts';

// A real node's data dir, made once; each test tampers with a copy and audits it.
let source: string;
const clientTxs: number[] = [];
const bin = join(process.cwd(), 'bin', 'ain.js');

test.before(async () => {
  source = await mkdtemp(join(tmpdir(), 'ain-audit-'));
  const config = await loadConfig({ flags: { dataDir: source, port: 0, verifyThreads: 1, block: { intervalMs: 30 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const client = generateKeyPair();
  let nonce = 0;
  const fund = signTx({ key: node.key, op: { type: 'send', to: client.address, amount: '1000' }, nonce: 1, time: 1 });
  await fetch(`${node.url}/v1/tx`, { method: 'POST', body: JSON.stringify(fund) });
  for (let round = 0; round < 3; round++) {
    const batch = Array.from({ length: 5 }, (_, i) => signTx({ key: client, op: i % 2 ? { type: 'send', to: node.key.address, amount: '1' } : { type: 'set_value', path: `/apps/a/${round}/${i}`, value: i }, nonce: ++nonce, time: 1 }));
    const { results } = (await (await fetch(`${node.url}/v1/txs`, { method: 'POST', body: JSON.stringify(batch) })).json()) as { results: { offset: number }[] };
    clientTxs.push(...results.map((r) => r.offset));
    await node.waitFinal(Math.max(1, node.ledger.height), 5000).catch(() => undefined);
    for (let i = 0; i < 200 && (node.blocks.latest()?.header.lastOffset ?? -1) < results.at(-1)!.offset; i++) await new Promise((r) => setTimeout(r, 10));
    await node.waitFinal(node.ledger.height, 5000);
  }
  await new Promise((r) => setTimeout(r, 200));
  await node.stop();
});
test.after.always(() => rm(source, { recursive: true, force: true }));

async function copy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ain-audit-copy-'));
  await cp(source, dir, { recursive: true });
  return dir;
}

interface Frame {
  payload: Buffer;
}
async function segmentPath(dir: string): Promise<string> {
  const files = (await readdir(join(dir, 'log'))).filter((f) => f.endsWith('.seg') || /^\d+/.test(f));
  return join(dir, 'log', files.sort()[0]!);
}
async function readFrames(path: string): Promise<Frame[]> {
  const bytes = await readFile(path);
  const frames: Frame[] = [];
  for (let at = 0; at + FRAME_HEADER_BYTES <= bytes.length; ) {
    const length = bytes.readUInt32LE(at);
    frames.push({ payload: Buffer.from(bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length)) });
    at += FRAME_HEADER_BYTES + length;
  }
  return frames;
}
async function writeFrames(path: string, frames: Frame[]): Promise<void> {
  const parts = frames.map(({ payload }) => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(frameChecksum(payload), 4);
    return Buffer.concat([header, payload]);
  });
  await writeFile(path, Buffer.concat(parts));
}

test('a real node’s log audits clean: every block, outcome, attestation and snapshot matches (CLI exit 0, --json)', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches));
  t.true(report.blocks >= 3);
  t.true(report.attestations >= 3);
  t.true(report.snapshotsChecked >= 1);
  t.true((report.outcomes.ok ?? 0) >= 16);
  t.true(report.finalized.height >= 3);
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--json', '--threads', '1']);
  t.like(JSON.parse(stdout), { ok: true, blocks: report.blocks });
});

test('a flipped byte inside a record (its checksum recomputed) is located at its offset', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const frames = await readFrames(path);
  const target = clientTxs[2]!;
  const text = frames[target]!.payload.toString();
  frames[target]!.payload = Buffer.from(text.replace('"value":2', '"value":3'));
  await writeFrames(path, frames);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  t.like(report.mismatches[0], { kind: 'record', offset: target });
  t.regex(report.mismatches[0]!.message, /BAD_SIGNATURE/);
  // The CLI says so and exits 1.
  const failed = await promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--threads', '1']).catch((e: { code: number; stdout: string }) => e);
  t.is((failed as { code: number }).code, 1);
  t.regex((failed as { stdout: string }).stdout, new RegExp(`offset ${target}`));
});

test('a flipped byte that breaks the framing is LOG_CORRUPT, located by segment and byte', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const bytes = await readFile(path);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(path, bytes);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  t.is(report.mismatches[0]!.kind, 'log');
  t.regex(report.mismatches[0]!.message, /damaged at byte \d+ \(the record at offset \d+\)/);
});

test('a removed record is caught: the block it was in no longer hashes to what the validator attested', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const frames = await readFrames(path);
  frames.splice(clientTxs[6]!, 1);
  await writeFrames(path, frames);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  const attestation = report.mismatches.find((m) => m.kind === 'attestation');
  t.truthy(attestation, JSON.stringify(report.mismatches));
  t.regex(attestation!.message, /replays to .* but .* attested/);
  t.is(typeof attestation!.height, 'number');
});

test('two records swapped are caught and located at their block', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const frames = await readFrames(path);
  const [a, b] = [clientTxs[10]!, clientTxs[11]!];
  [frames[a], frames[b]] = [frames[b]!, frames[a]!];
  await writeFrames(path, frames);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  const first = report.mismatches.find((m) => m.kind === 'attestation')!;
  t.truthy(first);
  t.regex(first.message, new RegExp(`log offsets \\d+-\\d+`));
  t.true((report.outcomes.BAD_NONCE ?? 0) >= 1, 'the later nonce now comes first');
});

test('a forged block header in the node’s snapshot is caught at its height', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const snapshots = join(dir, 'snapshots');
  const [file] = (await readdir(snapshots)).sort().reverse();
  const snapshot = JSON.parse(await readFile(join(snapshots, file!), 'utf8'));
  snapshot.blockHash = 'f'.repeat(64);
  await writeFile(join(snapshots, file!), JSON.stringify(snapshot));
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  t.like(report.mismatches[0], { kind: 'snapshot', height: snapshot.height });
});
