import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../../../log/index.ts';
import { writeKeyFile } from '../../../runtime/keys/index.ts';
import { fixedQuotas } from '../../../runtime/storage/index.ts';
import { sha256Hex, startBlobServer, tempDir, type BlobServer } from './helpers.ts';

const ain = join(process.cwd(), 'bin', 'ain.js');
const owner = generateKeyPair();
const stranger = generateKeyPair();
let server: BlobServer;
let dir: string;
let removeDir: () => Promise<void>;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [ain, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test.before(async () => {
  server = await startBlobServer(fixedQuotas({ [owner.address]: { bytesMax: 1 << 24, ttlMs: 3_600_000 } }));
  ({ dir, remove: removeDir } = await tempDir('blob-cli'));
  await writeKeyFile(join(dir, 'owner.key'), owner);
  await writeKeyFile(join(dir, 'stranger.key'), stranger);
});
test.after.always(async () => {
  await server?.close();
  await removeDir?.();
});

test('ain blob put then get round-trips a file, checked against its hash; others are refused with the code', async (t) => {
  const content = randomBytes(3 * 1024 * 1024 + 17);
  const file = join(dir, 'data.bin');
  await writeFile(file, content);
  const put = await run(['blob', 'put', file, '--key', join(dir, 'owner.key'), '--node', server.url, '--json']);
  t.is(put.code, 0, put.stderr);
  const reply = JSON.parse(put.stdout) as { ref: string; sizeBytes: number };
  t.is(reply.ref, `blob://sha256:${sha256Hex(content)}`);
  t.is(reply.sizeBytes, content.length);

  const out = join(dir, 'back.bin');
  const get = await run(['blob', 'get', reply.ref, '--out', out, '--key', join(dir, 'owner.key'), '--node', server.url]);
  t.is(get.code, 0, get.stderr);
  t.regex(get.stdout, /checked/);
  t.regex(get.stderr, /get .*100% /, 'plain progress lines when stderr is not a terminal');
  t.deepEqual(await readFile(out), content);

  const denied = await run(['blob', 'get', reply.ref, '--out', join(dir, 'no.bin'), '--key', join(dir, 'stranger.key'), '--node', server.url]);
  t.is(denied.code, 1);
  t.regex(denied.stderr, /^error ACCESS_DENIED: /);
  const bad = await run(['blob', 'get', 'nothash', '--node', server.url, '--json']);
  t.is(JSON.parse(bad.stderr).code, 'BAD_BLOB_HASH');
});
