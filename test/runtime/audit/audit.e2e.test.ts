import test from 'ava';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { parseGenesis } from '../../../actors/index.ts';
import { generateKeyPair, openFileLogReader, signTx } from '../../../log/index.ts';
import { frameChecksum, FRAME_HEADER_BYTES } from '../../../log/store/framing.ts';
import { auditDataDir, auditLog } from '../../../runtime/audit/index.ts';
import { loadConfig } from '../../../runtime/config/index.ts';
import { startNode, type AinNode } from '../../../runtime/node/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// A real node's data dir, made once; each test tampers with a copy and audits it.
let source: string;
const clientTxs: number[] = [];
/** Attestations a key with no stake signed and the node took (offsets, in log order) and their outcomes. */
const strangerTxs: { offset: number; height: number; code: string }[] = [];
let validator: string;
let stranger: string;
const bin = join(process.cwd(), 'bin', 'ain.js');

/**
 * Resolves once the node has applied the record at `offset`. Attestations alone may not make the
 * proposer cut, so each round waits for one more block to be final (waitFinal cuts even if idle).
 */
async function applied(node: AinNode, offset: number): Promise<void> {
  for (let round = 0; round < 5 && (node.blocks.latest()?.header.lastOffset ?? -1) < offset; round++) await node.waitFinal(node.ledger.height + 1, 5000);
  if ((node.blocks.latest()?.header.lastOffset ?? -1) < offset) throw new Error(`the record at offset ${offset} is still in no block`);
}

test.before(async () => {
  source = await mkdtemp(join(tmpdir(), 'ain-audit-'));
  const config = await loadConfig({ flags: { dataDir: source, port: 0, verifyThreads: 1, block: { intervalMs: 30 } } });
  const node = await startNode({ config, logger: pino({ level: 'silent' }) });
  const client = generateKeyPair();
  let nonce = 0;
  const fund = signTx({ key: node.key, op: { type: 'send', to: client.address, amount: '1000' }, nonce: 1, time: 1 });
  await fetch(`${node.url}/v1/tx`, { method: 'POST', body: JSON.stringify(fund) });
  for (let round = 0; round < 3; round++) {
    const batch = Array.from({ length: 5 }, (_, i) =>
      signTx({
        key: client,
        op: i % 2 ? { type: 'send', to: node.key.address, amount: '1' } : { type: 'set_value', path: `/apps/a/${round}/${i}`, value: i },
        nonce: ++nonce,
        time: 1,
      }),
    );
    const { results } = (await (await fetch(`${node.url}/v1/txs`, { method: 'POST', body: JSON.stringify(batch) })).json()) as {
      results: { offset: number }[];
    };
    clientTxs.push(...results.map((r) => r.offset));
    await applied(node, results.at(-1)!.offset);
    await node.waitFinal(node.ledger.height, 5000);
  }
  // Anyone may sign an attestation and submit it: a key with no stake, for a final block (its
  // true hash and a made-up one), the latest block, a block not cut yet, and many more of them.
  validator = node.key.address;
  const strangerKey = generateKeyPair();
  stranger = strangerKey.address;
  const latest = node.ledger.height;
  const attests = [
    { height: 1, hash: '0'.repeat(64) },
    { height: 1, hash: node.blocks.get(1)!.hash },
    { height: latest, hash: 'f'.repeat(64) },
    { height: latest + 1_000_000, hash: 'a'.repeat(64) },
    ...Array.from({ length: 30 }, (_, i) => ({ height: 1 + (i % latest), hash: (i % 16).toString(16).repeat(64) })),
  ];
  const submitted: { hash: string; offset: number }[] = [];
  for (const [i, op] of attests.entries()) {
    const response = await fetch(`${node.url}/v1/tx`, {
      method: 'POST',
      body: JSON.stringify(signTx({ key: strangerKey, op: { type: 'attest', ...op, genesis: node.ledger.genesisHash }, nonce: i + 1, time: 1 })),
    });
    if (response.status !== 202) throw new Error(`the node did not take the attestation: ${response.status} ${await response.text()}`);
    submitted.push((await response.json()) as { hash: string; offset: number });
  }
  await applied(node, submitted.at(-1)!.offset);
  for (const { hash } of submitted) {
    const { offset, height, outcome } = node.blocks.findTx(hash)!;
    strangerTxs.push({ offset, height, code: outcome.code });
  }
  await node.waitFinal(strangerTxs.at(-1)!.height, 5000);
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
  for (let at = 0; at + FRAME_HEADER_BYTES <= bytes.length;) {
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

test('a dir with no log is NOT_FOUND, saying so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-audit-empty-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(join(source, 'genesis.json'), join(dir, 'genesis.json'));
  const error = await t.throwsAsync(auditDataDir({ dataDir: dir, threads: 1 }));
  t.true(isAinError(error, 'NOT_FOUND'));
  t.regex(error!.message, /holds no log/);
});

test('attestations from a key with no stake, refused in their blocks, are not compared: the log audits clean (CLI exit 0)', async (t) => {
  const codes = strangerTxs.map((s) => s.code);
  t.is(codes.filter((c) => c === 'NOT_VALIDATOR').length, strangerTxs.length - 1, codes.join());
  t.is(codes.filter((c) => c === 'BAD_ATTESTATION').length, 1, 'the one for a block not cut yet');
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.true(report.ok, JSON.stringify(report.mismatches.slice(0, 3)));
  t.true((report.outcomes.NOT_VALIDATOR ?? 0) >= strangerTxs.length - 1);
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--threads', '1']);
  t.regex(stdout, /everything matches/);
});

test('a stranger’s attestation removed from the log is still caught, by the validator’s attestation of its block', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const frames = await readFrames(path);
  const removed = strangerTxs[0]!;
  frames.splice(removed.offset, 1);
  await writeFrames(path, frames);
  const report = await auditDataDir({ dataDir: dir, threads: 1 });
  t.false(report.ok);
  t.like(report.mismatches[0], { kind: 'attestation', height: removed.height, from: validator });
  t.false(
    report.mismatches.some((m) => m.from === stranger || m.message.includes(stranger)),
    'the stranger’s refused attestations add nothing to the report',
  );
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

test('one validator’s mismatches past the per-signer cap are counted, not listed', async (t) => {
  const dir = await copy();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = await segmentPath(dir);
  const frames = await readFrames(path);
  frames.splice(clientTxs[0]!, 1);
  await writeFrames(path, frames);
  const reader = await openFileLogReader(join(dir, 'log'));
  t.teardown(() => reader.close());
  const genesis = parseGenesis(JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')));
  const report = await auditLog({ source: reader, genesis, mismatchesPerSignerMax: 2 });
  t.false(report.ok);
  const listed = report.mismatches.filter((m) => m.kind === 'attestation');
  t.deepEqual(
    listed.map((m) => m.from),
    [validator, validator],
    JSON.stringify(report.mismatches),
  );
  const counted = report.unlisted.find((u) => u.kind === 'attestation' && u.from === validator);
  t.true((counted?.count ?? 0) >= 1, JSON.stringify(report.unlisted));
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
