// Plain JS on purpose: the raw figure is node:crypto alone, with no TypeScript loader in the thread.
// Protocol: workerData { keys, messageBytes } → posts { type: 'ready' }; each { type: 'go', durationMs }
// → posts { type: 'done', count, elapsedMs }. The parent terminates the thread.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { keys, messageBytes } = workerData;
const checkEvery = 64; // verifies between clock reads: milliseconds of work, so reading the clock costs nothing

const items = [];
for (let i = 0; i < keys; i++) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const message = randomBytes(messageBytes);
  items.push({ key: publicKey, message, sig: sign(null, message, privateKey) });
}

function run(durationMs) {
  let count = 0;
  let at = 0;
  const startMs = performance.now();
  let nowMs = startMs;
  while (nowMs - startMs < durationMs) {
    for (let i = 0; i < checkEvery; i++) {
      const item = items[at];
      at = at + 1 === items.length ? 0 : at + 1;
      if (!verify(null, item.message, item.key, item.sig)) throw new Error('a good signature did not verify');
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
