import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../../../log/index.ts';
import { fixedQuotas } from '../../../runtime/storage/index.ts';
import { authHeader, sha256Hex, startBlobServer, type BlobServer } from './helpers.ts';

const alice = generateKeyPair();
const bob = generateKeyPair();
const eve = generateKeyPair();
let server: BlobServer;

test.before(async () => {
  server = await startBlobServer(
    fixedQuotas({
      [alice.address]: { bytesMax: 1 << 20, ttlMs: 3_600_000 },
      [bob.address]: { bytesMax: 100, ttlMs: 3_600_000 },
    }),
  );
});
test.after.always(() => server?.close());

const content = Buffer.from('0123456789abcdefghij');
const hash = sha256Hex(content);

async function putBlob(key = alice, body: Buffer = content, headers: Record<string, string> = {}, claimed = sha256Hex(body)) {
  return fetch(`${server.url}/v1/blobs/${claimed}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...authHeader(key, 'PUT', claimed), ...headers },
    body,
  });
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { code: string; message: string };
  return { status: response.status, code: body.code, message: body.message };
}

test.serial('PUT stores a blob (201) and GET streams it back with its length and etag', async (t) => {
  const put = await putBlob(alice, content, { 'x-ain-readers': bob.address });
  t.is(put.status, 201);
  const info = (await put.json()) as { ref: string; sizeBytes: number; owner: string; expiresAtMs: number };
  t.is(info.ref, `blob://sha256:${hash}`);
  t.is(info.sizeBytes, content.length);
  t.is(info.owner, alice.address);
  const get = await fetch(`${server.url}/v1/blobs/${hash}`, { headers: authHeader(bob, 'GET', hash) });
  t.is(get.status, 200);
  t.is(get.headers.get('content-length'), String(content.length));
  t.is(get.headers.get('etag'), `"sha256:${hash}"`);
  t.is(get.headers.get('accept-ranges'), 'bytes');
  t.deepEqual(Buffer.from(await get.arrayBuffer()), content);
});

test.serial('Range reads answer 206 with Content-Range; a bad range is 416 BAD_RANGE', async (t) => {
  const range = async (value: string) => fetch(`${server.url}/v1/blobs/${hash}`, { headers: { ...authHeader(alice, 'GET', hash), range: value } });
  for (const [value, expected, contentRange] of [
    ['bytes=2-5', '2345', 'bytes 2-5/20'],
    ['bytes=15-', 'fghij', 'bytes 15-19/20'],
    ['bytes=-3', 'hij', 'bytes 17-19/20'],
    ['bytes=18-99', 'ij', 'bytes 18-19/20'],
  ] as const) {
    const response = await range(value);
    t.is(response.status, 206, value);
    t.is(response.headers.get('content-range'), contentRange);
    t.is(await response.text(), expected);
  }
  for (const value of ['bytes=20-', 'bytes=5-2', 'bytes=0-1,4-5', 'items=0-1', 'bytes=-0']) {
    const error = await errorOf(await range(value));
    t.deepEqual([error.status, error.code], [416, 'BAD_RANGE'], value);
  }
});

test.serial('ACL: an unsigned read is 401 BAD_AUTH, a reader not listed 403 ACCESS_DENIED, a replayed header 401', async (t) => {
  t.deepEqual((await errorOf(await fetch(`${server.url}/v1/blobs/${hash}`))).code, 'BAD_AUTH');
  const denied = await errorOf(await fetch(`${server.url}/v1/blobs/${hash}`, { headers: authHeader(eve, 'GET', hash) }));
  t.deepEqual([denied.status, denied.code], [403, 'ACCESS_DENIED']);
  const headers = authHeader(alice, 'GET', hash);
  t.is((await fetch(`${server.url}/v1/blobs/${hash}`, { headers })).status, 200);
  const replay = await errorOf(await fetch(`${server.url}/v1/blobs/${hash}`, { headers }));
  t.deepEqual([replay.status, replay.code], [401, 'BAD_AUTH']);
  const wrongHash = await errorOf(await fetch(`${server.url}/v1/blobs/${hash}`, { headers: authHeader(alice, 'GET', 'cd'.repeat(32)) }));
  t.is(wrongHash.code, 'BAD_AUTH');
});

test.serial('PUT refusals: unsigned 401, no reservation or over quota 413, bytes that do not match 422 (nothing stored)', async (t) => {
  const unsigned = await fetch(`${server.url}/v1/blobs/${hash}`, { method: 'PUT', body: content });
  t.deepEqual([(await errorOf(unsigned)).code, unsigned.status], ['BAD_AUTH', 401]);
  const noReservation = await errorOf(await putBlob(eve));
  t.deepEqual([noReservation.status, noReservation.code], [413, 'QUOTA_EXCEEDED']);
  const overQuota = await errorOf(await putBlob(bob, Buffer.alloc(101, 7)));
  t.deepEqual([overQuota.status, overQuota.code], [413, 'QUOTA_EXCEEDED']);
  const other = Buffer.from('not what was claimed');
  const mismatch = await errorOf(await putBlob(alice, other, {}, sha256Hex(Buffer.from('claimed'))));
  t.deepEqual([mismatch.status, mismatch.code], [422, 'BLOB_HASH_MISMATCH']);
  t.is(server.store.stat(sha256Hex(Buffer.from('claimed'))), undefined);
  t.is(server.store.stat(sha256Hex(other)), undefined);
});

test.serial('a flipped byte on disk: GET answers 500 BLOB_CORRUPT instead of the bytes', async (t) => {
  const body = Buffer.from('soon to rot on disk');
  const h = sha256Hex(body);
  t.is((await putBlob(alice, body)).status, 201);
  const file = join(server.dir, 'blobs', 'data', h.slice(0, 2), h);
  const onDisk = await readFile(file);
  onDisk[0] = onDisk[0]! ^ 0x80;
  await writeFile(file, onDisk);
  const error = await errorOf(await fetch(`${server.url}/v1/blobs/${h}`, { headers: authHeader(alice, 'GET', h) }));
  t.deepEqual([error.status, error.code], [500, 'BLOB_CORRUPT']);
});

test.serial('hostile paths: bad hashes are 400 BAD_BLOB_HASH, traversal never reaches the disk', async (t) => {
  for (const path of ['/v1/blobs/..%2F..%2Fetc%2Fpasswd', `/v1/blobs/${'A'.repeat(64)}`, `/v1/blobs/${'0'.repeat(63)}`, '/v1/blobs/%00']) {
    const error = await errorOf(await fetch(`${server.url}${path}`));
    t.deepEqual([error.status, error.code], [400, 'BAD_BLOB_HASH'], path);
  }
  const traversal = await errorOf(await fetch(`${server.url}/v1/blobs/../../etc/passwd`));
  t.is(traversal.code, 'NOT_FOUND');
  const missing = await errorOf(await fetch(`${server.url}/v1/blobs/${'0'.repeat(64)}`, { headers: authHeader(alice, 'GET', '0'.repeat(64)) }));
  t.deepEqual([missing.status, missing.code], [404, 'NOT_FOUND']);
});

test.serial('the JSON routes keep their own body parser next to the blob routes', async (t) => {
  const response = await fetch(`${server.url}/v1/status`);
  t.is(response.status, 200);
});
