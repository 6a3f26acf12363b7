import test from 'ava';
import type Docker from 'dockerode';

import { isAinError } from '../../../schemas/index.ts';
import { waitHealthy } from '../../../runtime/deploy/waitNodes.ts';
import type { DeployedNode } from '../../../runtime/deploy/index.ts';

// A unit test of the decisions only: the engine is a fake that reports one container's state
// and log (the real engine's side is test/runtime/deploy/deploy.e2e.test.ts).

const node: DeployedNode = {
  net: 'unit',
  node: 'n2',
  chain: 'ain-local',
  shard: '/',
  address: `0x${'ab'.repeat(20)}`,
  role: 'validator',
  log: 'p2p',
  port: 18081,
  p2pPort: 19081,
};

/** A log as the engine sends it without a TTY: 8-byte frame headers (stream, 0, 0, 0, size). */
function multiplexed(lines: readonly string[]): Buffer {
  return Buffer.concat(
    lines.map((line) => {
      const body = Buffer.from(line + '\n');
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    }),
  );
}

function fakeEngine(states: readonly Partial<Docker.ContainerInspectInfo['State']>[], log: readonly string[], restartCounts: readonly number[] = []): Docker {
  let call = 0;
  return {
    getContainer: (name: string) => ({
      inspect: async () => {
        const i = Math.min(call++, states.length - 1);
        return { Name: `/${name}`, RestartCount: restartCounts[i] ?? 0, Config: { Tty: false }, State: { Running: false, Restarting: false, ...states[i] } };
      },
      logs: async () => multiplexed(log),
    }),
  } as unknown as Docker;
}

test('a container that becomes healthy: resolves', async (t) => {
  const docker = fakeEngine(
    [
      { Running: true, Health: { Status: 'starting' } as never },
      { Running: true, Health: { Status: 'healthy' } as never },
    ],
    [],
  );
  await t.notThrowsAsync(waitHealthy(docker, node, 10_000));
});

test('a container that exits: NODE_UNHEALTHY with its exit code and last log lines', async (t) => {
  const log = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  const docker = fakeEngine([{ Running: false, ExitCode: 1, Status: 'exited' }], log);
  const error = await t.throwsAsync(waitHealthy(docker, node, 10_000));
  t.true(isAinError(error, 'NODE_UNHEALTHY'));
  t.regex(error!.message, /^Node n2 \(container unit-n2, http:\/\/127\.0\.0\.1:18081\) exited \(code 1\)/);
  t.regex(error!.message, /Its last log lines:\n {2}line 10\n[\s\S]* {2}line 29$/);
  t.deepEqual((error as unknown as { details: { logs: string[] } }).details.logs, log.slice(10));
});

test('a container whose log says the address is taken: PORT_IN_USE naming both ports', async (t) => {
  const docker = fakeEngine([{ Running: false, ExitCode: 1 }], ['{"msg":"listen EADDRINUSE: address already in use 127.0.0.1:18081"}']);
  const error = await t.throwsAsync(waitHealthy(docker, node, 10_000));
  t.true(isAinError(error, 'PORT_IN_USE'));
  t.regex(error!.message, /API port 18081 or peer port 19081 on 127\.0\.0\.1 is taken/);
  t.regex(error!.message, /EADDRINUSE/);
});

test('a container the engine restarted (restart policy) after a crash counts as exited', async (t) => {
  const docker = fakeEngine(
    [
      { Running: true, Health: { Status: 'starting' } as never },
      { Running: true, Health: { Status: 'starting' } as never },
    ],
    ['crash'],
    [0, 1],
  );
  const error = await t.throwsAsync(waitHealthy(docker, node, 10_000));
  t.true(isAinError(error, 'NODE_UNHEALTHY'));
});

test('a container that turns unhealthy: NODE_UNHEALTHY saying its health check failed', async (t) => {
  const docker = fakeEngine([{ Running: true, Health: { Status: 'unhealthy' } as never }], ['unhealthy: connect ECONNREFUSED']);
  const error = await t.throwsAsync(waitHealthy(docker, node, 10_000));
  t.true(isAinError(error, 'NODE_UNHEALTHY'));
  t.regex(error!.message, /failed its health check \(GET \/v1\/health\)/);
});
