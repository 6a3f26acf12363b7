import test from 'ava';
import { generateKeyPair } from '../../../log/index.ts';
import { fixedQuotas } from '../../../runtime/storage/index.ts';
import { authHeader, sha256Hex, startBlobServer } from './helpers.ts';

test('an empty blob puts and reads back (no body, no content type); a range of it is 416', async (t) => {
  const key = generateKeyPair();
  const server = await startBlobServer(fixedQuotas({ [key.address]: { bytesMax: 10, ttlMs: 60_000 } }));
  try {
    const hash = sha256Hex(new Uint8Array(0));
    const put = await fetch(`${server.url}/v1/blobs/${hash}`, { method: 'PUT', headers: authHeader(key, 'PUT', hash) });
    t.is(put.status, 201, await put.clone().text());
    const get = await fetch(`${server.url}/v1/blobs/${hash}`, { headers: authHeader(key, 'GET', hash) });
    t.is(get.status, 200);
    t.is((await get.arrayBuffer()).byteLength, 0);
    const range = await fetch(`${server.url}/v1/blobs/${hash}`, { headers: { ...authHeader(key, 'GET', hash), range: 'bytes=0-' } });
    t.is(range.status, 416);
  } finally {
    await server.close();
  }
});
