import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { callNode, waitForTx } from '../../../runtime/client/index.ts';
import { isAinError } from '../../../schemas/index.ts';

// A node that takes connections and answers nothing (paused with SIGSTOP, wedged, something else on
// its port): every request is bounded, and ends in NODE_UNREACHABLE saying so, never a hang.

async function silentServer(t: import('ava').ExecutionContext): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket)); // reads the request, never writes
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a request to a node that answers nothing ends after its timeout with NODE_UNREACHABLE saying so', async (t) => {
  const url = await silentServer(t);
  const error = await t.throwsAsync(callNode(url, 'GET', '/v1/status', undefined, { timeoutMs: 300 }));
  t.true(isAinError(error, 'NODE_UNREACHABLE'), String(error));
  t.regex(error!.message, /did not answer GET \/v1\/status within 300 ms: something listens there and answers nothing/);
  // Waiting for a tx: each look is bounded by the wait (5 s at least).
  const waited = await t.throwsAsync(waitForTx(url, 'ab'.repeat(32), Date.now() + 500));
  t.true(isAinError(waited, 'NODE_UNREACHABLE'), String(waited));
  t.regex(waited!.message, /within 5000 ms/);
});

test('ain tx verify --wait-ms against a node that answers nothing ends with NODE_UNREACHABLE, not a hang', async (t) => {
  const url = await silentServer(t);
  const bin = join(process.cwd(), 'bin', 'ain.js');
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [bin, 'tx', 'verify', 'ab'.repeat(32), '--node', url, '--wait-ms', '1000'], (error, _stdout, stderr) =>
      resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stderr }),
    );
  });
  t.is(code, 1, stderr);
  t.regex(stderr, /NODE_UNREACHABLE: .* did not answer GET \/v1\/tx\/.* within 5000 ms/);
});
