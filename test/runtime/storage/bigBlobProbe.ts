// Run by bigBlob.test.ts in a child process, so its memory is measured alone: puts and gets a
// generated blob of `AIN_PROBE_MB` MiB through the real HTTP API on 127.0.0.1 and prints
// { sizeBytes, putOk, getOk, baselineRssBytes, peakRssBytes } as JSON.
import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateKeyPair } from '../../../log/index.ts';
import { fixedQuotas } from '../../../runtime/storage/index.ts';
import { authHeader, startBlobServer } from './helpers.ts';

const chunkBytes = 64 * 1024;
const sizeBytes = Number(process.env.AIN_PROBE_MB ?? '100') * 1024 * 1024;

/** The blob, made a chunk at a time: never in memory whole. */
function generated(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= sizeBytes) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(chunkBytes, sizeBytes - sent), sent % 251);
      chunk.writeUInt32BE(sent / chunkBytes, 0);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

async function hashOf(stream: Readable): Promise<string> {
  const sha = createHash('sha256');
  for await (const chunk of stream) sha.update(chunk as Buffer);
  return sha.digest('hex');
}

let peakRssBytes = 0;
const sample = () => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss()));

const key = generateKeyPair();
const server = await startBlobServer(fixedQuotas({ [key.address]: { bytesMax: 2 * sizeBytes, ttlMs: 60_000 } }));
const hash = await hashOf(generated());
const baselineRssBytes = process.memoryUsage.rss();
const sampler = setInterval(sample, 10);
const { port } = new URL(server.url);

const putStatus = await new Promise<number>((resolve, reject) => {
  const req = request(
    {
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: `/v1/blobs/${hash}`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': sizeBytes, ...authHeader(key, 'PUT', hash) },
    },
    (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    },
  );
  req.on('error', reject);
  pipeline(generated(), req).catch(reject);
});
sample();
const response = await new Promise<IncomingMessage>((resolve, reject) => {
  request({ host: '127.0.0.1', port, path: `/v1/blobs/${hash}`, headers: authHeader(key, 'GET', hash) }, resolve)
    .on('error', reject)
    .end();
});
const gotHash = await hashOf(response);
sample();
clearInterval(sampler);
await server.close();
process.stdout.write(
  JSON.stringify({ sizeBytes, putOk: putStatus === 201, getOk: response.statusCode === 200 && gotHash === hash, baselineRssBytes, peakRssBytes }) + '\n',
);
