import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchBlob } from '../../../runtime/cli/blobCommand.ts';
import { isAinError } from '../../../schemas/index.ts';

// fetchBlob (ain blob get, ain result) checks the bytes it receives against the hash that names
// them: a server that answers with other bytes is refused, and no file is left behind. The
// server here stands in for a node that serves the wrong bytes, which a real node never does.

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const good = Buffer.from('the bytes the hash names');
const other = Buffer.from('some other bytes entirely');

let server: Server;
let nodeUrl: string;
let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ain-fetch-blob-'));
  server = createServer((request, response) => {
    const body = request.url === `/v1/blobs/${sha256(good)}` ? good : other;
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  nodeUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
test.after.always(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('bytes that hash to the blob’s name are written to the file', async (t) => {
  const out = join(dir, 'good.bin');
  t.deepEqual(await fetchBlob({ nodeUrl, hash: sha256(good), out, quiet: true }), { sizeBytes: good.length });
  t.deepEqual(await readFile(out), good);
});

test('bytes that do not are BLOB_HASH_MISMATCH, naming both hashes, and no file is left', async (t) => {
  const hash = 'ab'.repeat(32);
  const error = await t.throwsAsync(fetchBlob({ nodeUrl, hash, out: join(dir, 'bad.bin'), quiet: true }));
  if (!isAinError(error, 'BLOB_HASH_MISMATCH')) return t.fail(String(error));
  t.deepEqual(error.details, { expected: hash, actual: sha256(other) });
  t.false((await readdir(dir)).some((name) => name.startsWith('bad.bin')));
});
