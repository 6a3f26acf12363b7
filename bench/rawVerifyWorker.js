// Plain JS on purpose: the raw figure is the verify call alone, with no TypeScript loader in the thread.
// Protocol: workerData { keys, messageBytes, verifier: 'libsodium' | 'node:crypto' } → posts
// { type: 'ready' }; each { type: 'go', durationMs } → posts { type: 'done', count, elapsedMs }.
// The parent terminates the thread.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { keys, messageBytes, verifier } = workerData;
const checkEvery = 64; // verifies between clock reads: milliseconds of work, so reading the clock costs nothing

const items = [];
for (let i = 0; i < keys; i++) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = randomBytes(messageBytes);
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  items.push({ key: publicKey, raw, message, sig: sign(null, message, privateKey) });
}

const sodium = verifier === 'libsodium' ? createRequire(import.meta.url)('sodium-native') : null;
const verifyOne =
  sodium === null ? (item) => verify(null, item.message, item.key, item.sig) : (item) => sodium.crypto_sign_verify_detached(item.sig, item.message, item.raw);

function run(durationMs) {
  let count = 0;
  let at = 0;
  const startMs = performance.now();
  let nowMs = startMs;
  while (nowMs - startMs < durationMs) {
    for (let i = 0; i < checkEvery; i++) {
      const item = items[at];
      at = at + 1 === items.length ? 0 : at + 1;
      if (!verifyOne(item)) throw new Error('a good signature did not verify');
    }
    count += checkEvery;
    nowMs = performance.now();
  }
  return { count, elapsedMs: nowMs - startMs };
}

parentPort.on('message', (message) => {
  if (message.type === 'go') parentPort.postMessage({ type: 'done', ...run(message.durationMs) });
});
parentPort.postMessage({ type: 'ready' });
