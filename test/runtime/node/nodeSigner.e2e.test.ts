import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signTx } from '../../../log/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import { startNodeProcess } from './nodeProcess.ts';

const bin = join(process.cwd(), 'bin', 'ain.js');

test('someone spends the node key’s last nonce (2^53 − 1): the node’s signer stops with a fatal error instead of signing a tx the boundary refuses, and a replay of its log cuts the same blocks', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ain-signer-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const node = await startNodeProcess(dir, ['--block-interval-ms', '50']);
  t.teardown(() => node.kill('SIGKILL'));
  const key = await readKeyFile(join(dir, 'node.key'));
  const set = (n: number, nonce: number) => signTx({ key, op: { type: 'set_value', path: `/apps/x/${n}`, value: n }, nonce, time: 1 });
  t.is((await node.post('/v1/tx', set(1, 1))).status, 202);
  // A nonce past 2^53 − 1 is refused at the boundary, with a sentence naming the field.
  const over = JSON.stringify(set(2, Number.MAX_SAFE_INTEGER)).replace(`"nonce":${Number.MAX_SAFE_INTEGER}`, `"nonce":${Number.MAX_SAFE_INTEGER + 1}`);
  const refused = await fetch(`${node.url}/v1/tx`, { method: 'POST', body: over });
  t.is(refused.status, 400);
  t.regex(((await refused.json()) as { message: string }).message, /nonce/);
  // The largest nonce is accepted; the node's next cut or attestation would need a larger one.
  t.is((await node.post('/v1/tx', set(3, Number.MAX_SAFE_INTEGER))).status, 202);
  await node.exited; // onFatal stops the node
  t.is(node.child.exitCode, 1, 'a fatal stop exits non-zero');
  const log = await readFile(join(dir, 'node.log'), 'utf8');
  t.regex(log, /SIGNER_STOPPED/);
  // Replaying the log from genesis cuts exactly the blocks the node cut: the audit agrees.
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'audit', '--data', dir, '--json', '--threads', '1']).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  const report = JSON.parse(stdout) as { ok: boolean; mismatches: unknown[] };
  t.true(report.ok, JSON.stringify(report.mismatches));
});
