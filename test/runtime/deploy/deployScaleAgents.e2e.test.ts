// `ain deploy scale` and `ain deploy agents` against a real Docker engine (test/services/docker.sh),
// kept small: 2 validators, a third node that joins, leaves and joins again as a validator, then
// an evaluator and 2 workers in containers settle the sample job, their runs in sibling
// containers; down --volumes leaves nothing. Each test builds on the one before.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import test from 'ava';
import Docker from 'dockerode';
import { createActor, toPromise } from 'xstate';

import { clientMachine } from '../../../actors/index.ts';
import { generateKeyPair, type KeyPair } from '../../../log/index.ts';
import { agentEffectsFor, sampleJobPrograms, sampleReward } from '../../../runtime/agents/index.ts';
import { callNode, createNodeSubmitter } from '../../../runtime/client/index.ts';
import { deployLabels } from '../../../runtime/deploy/index.ts';
import { createProcessRuntime } from '../../../runtime/exec/index.ts';
import { readKeyFile } from '../../../runtime/keys/index.ts';
import type { OpOf } from '../../../schemas/index.ts';
import { startDocker } from '../../services/docker.ts';
import { basePort } from '../consensus/networkHarness.ts';
import { ainOn, eventOf, getJson, untilFinalOn, writeThrough } from './deployHarness.ts';

const service = await startDocker();

interface ScaledNode {
  node: string;
  url: string;
  role: string;
  address: string;
  action: string;
}
interface Scaled {
  nodes: ScaledNode[];
  removed: string[];
  staked: { node: string; amount: string }[];
}
interface StatusNode {
  node: string;
  role: string;
  state: string;
  health: string;
  stake: string | null;
}
interface Header {
  hash: string;
  header: { stateRoot: string };
}

if (service === undefined) {
  test.skip('ain deploy scale and agents: need a Docker engine (test/services/docker.sh)', () => undefined);
} else {
  const docker = new Docker({ socketPath: service.socketPath });
  const ain = ainOn(service.socketPath);
  const name = `s${process.pid}`;
  let dir: string;
  let state: string;
  let urls: string[];
  let owner: KeyPair;
  const labelled = { filters: { label: [`${deployLabels.net}=${name}`] } };
  const scale = (...args: string[]) => ain(['deploy', 'scale', '--name', name, '--dir', state, '--json', ...args]);
  /** What a `--json` run printed: one JSON object. */
  const jsonOf = <T>(run: { stdout: string; stderr: string }): T => {
    try {
      return JSON.parse(run.stdout) as T;
    } catch {
      throw new Error(`not one JSON object:\n${run.stdout}\n${run.stderr}`);
    }
  };
  const statusOf = async () => (JSON.parse((await ain(['deploy', 'status', '--name', name, '--json'])).stdout) as { nodes: StatusNode[] }).nodes;

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ain-scale-e2e-'));
    state = join(dir, 'state');
  });
  test.after.always(async () => {
    const down = await ain(['deploy', 'down', '--name', name, '--volumes', '--dir', state]);
    if (down.code !== 0) console.error(down.stderr);
    await rm(dir, { recursive: true, force: true });
    await service.stop();
  });

  test.serial('scale --nodes 3 on 2 validators: the follower catches up to the same blocks and state roots, status lists it', async (t) => {
    t.timeout(600_000);
    const up = await ain(['deploy', 'up', '--nodes', '2', '--name', name, '--port-base', String(await basePort(3)), '--dir', state, '--json']);
    t.is(up.code, 0, up.stderr);
    owner = await readKeyFile(join(state, 'owner.key'));
    // A block before the follower exists: it has something to catch up on.
    await untilFinalOn(
      eventOf<{ nodes: { url: string }[] }>(up, 'up').nodes.map((n) => n.url),
      await writeThrough(eventOf<{ nodes: { url: string }[] }>(up, 'up').nodes[0]!.url, 1),
    );

    const run = await scale('--nodes', '3');
    t.is(run.code, 0, run.stderr);
    const scaled = jsonOf<Scaled>(run);
    t.deepEqual(
      scaled.nodes.map((n) => [n.node, n.role, n.action]),
      [
        ['n1', 'validator', 'unchanged'],
        ['n2', 'validator', 'unchanged'],
        ['n3', 'follower', 'created'],
      ],
    );
    urls = scaled.nodes.map((n) => n.url);
    // A tx sent to the follower is gossiped to the validators; the block it lands in is the same everywhere.
    const height = await untilFinalOn(urls, await writeThrough(urls[2]!, 2));
    const blocks = await Promise.all(urls.map((url) => getJson<Header>(url, `/v1/blocks/${height}`)));
    t.deepEqual(
      blocks.map((b) => [b.hash, b.header.stateRoot]),
      [0, 1, 2].map(() => [blocks[0]!.hash, blocks[0]!.header.stateRoot]),
    );
    t.deepEqual(
      (await statusOf()).map((n) => [n.node, n.role, n.state, n.health, n.stake]),
      [
        ['n1', 'validator', 'running', 'healthy', '1000000'],
        ['n2', 'validator', 'running', 'healthy', '1000000'],
        ['n3', 'follower', 'running', 'healthy', '0'],
      ],
    );
    const again = await scale('--nodes', '3');
    t.is(again.code, 0, again.stderr);
    t.deepEqual(
      jsonOf<Scaled>(again).nodes.map((n) => n.action),
      ['unchanged', 'unchanged', 'unchanged'],
    );
  });

  test.serial('scale back to 2 removes the follower; with --stake the new n3 is a validator the chain needs, and removing it is WOULD_HALT', async (t) => {
    t.timeout(600_000);
    const down = await scale('--nodes', '2');
    t.is(down.code, 0, down.stderr);
    t.deepEqual(jsonOf<Scaled>(down).removed, ['n3']);
    t.deepEqual((await docker.listVolumes(labelled)).Volumes!.map((v) => v.Name).sort(), [`${name}-n1-data`, `${name}-n2-data`]);

    const staked = await scale('--nodes', '3', '--stake', '1000000');
    t.is(staked.code, 0, staked.stderr);
    t.deepEqual(jsonOf<Scaled>(staked).staked, [{ node: 'n3', address: jsonOf<Scaled>(staked).nodes[2]!.address, amount: '1000000' }]);
    // 3 validators of equal stake: a block needs all of them, so n3 votes; and proposes in its turn.
    for (const [i, url] of urls.entries()) await untilFinalOn(urls, await writeThrough(url, 10 + i));
    t.is((await statusOf())[2]!.stake, '1000000');

    const refused = await ain(['deploy', 'scale', '--name', name, '--nodes', '2', '--dir', state]);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /^error WOULD_HALT: Removing n3 would take 1000000 of the 3000000 AIN staked off the network/);
    t.is((await statusOf()).length, 3, 'nothing was removed');
  });

  test.serial('an evaluator and 2 workers as containers settle the sample job, their runs in sibling containers', async (t) => {
    t.timeout(600_000);
    const programs = await sampleJobPrograms();
    const admin = createNodeSubmitter({ nodeUrl: urls[0]!, key: owner, waitMs: 120_000 });
    const { hash: job } = await admin.submit({
      type: 'registerJob',
      job_specification: programs.proto,
      fee: '1',
      challenge_fee: '5',
      ...(programs.testData === undefined ? {} : { test_data: programs.testData }),
    });
    await untilFinalOn(urls, job);
    const agents = async (role: string, count: number, via: string) => {
      const run = await ain([
        'deploy',
        'agents',
        '--name',
        name,
        '--role',
        role,
        '--count',
        String(count),
        '--node',
        via,
        '--job',
        job,
        '--dir',
        state,
        '--json',
      ]);
      t.is(run.code, 0, run.stderr);
      return jsonOf<{ agents: { address: string; action: string }[]; funded: string[] }>(run);
    };
    const evaluators = await agents('evaluator', 1, urls[1]!);
    const workers = await agents('worker', 2, urls[2]!);
    t.deepEqual(
      [...evaluators.agents, ...workers.agents].map((a) => a.action),
      ['created', 'created', 'created'],
    );
    t.is(workers.funded.length, 2, 'the owner funded each agent');
    for (const container of await docker.listContainers({ filters: { label: [`${deployLabels.net}=${name}`, `${deployLabels.kind}=agent`] } })) {
      t.true(container.Mounts.some((m) => m.Destination === '/var/run/docker.sock'));
      t.is(container.HostConfig.NetworkMode, 'host');
      // A CLI run compiled (npm test) deploys agents that run its JavaScript too.
      t.is(((await docker.getContainer(container.Id).inspect()).Config.Env ?? []).includes('AIN_COMPILED=1'), process.env.AIN_COMPILED === '1');
    }
    // The admin approves each agent once its application (its program's answer to the test data) is in.
    const applicants = [...evaluators.agents.map((a) => [a.address, 'evaluator'] as const), ...workers.agents.map((a) => [a.address, 'worker'] as const)];
    for (const [node, role] of applicants) {
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.submit({ type: 'approveNode', job_id: job, node, role });
          break;
        } catch (error) {
          if (attempt >= 60) throw error;
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
      }
    }

    const client = generateKeyPair();
    await admin.submit({ type: 'send', to: client.address, amount: '1000' });
    const env = { nodeUrl: urls[0]!, execution: createProcessRuntime(), programs, waitMs: 240_000 };
    const op: OpOf<'requestJob'> = {
      type: 'requestJob',
      job_id: job,
      job_input: { y: 4 },
      ...sampleReward,
      reward: [...sampleReward.reward],
      time_limit: 45_000,
    };
    const done = await toPromise(createActor(clientMachine.provide({ actors: agentEffectsFor(client, env) }), { input: { op, accepts: () => true } }).start());
    t.is(done.error, undefined);
    const view = await callNode<{ state: string; results: Record<string, { x?: number }> }>(urls[0]!, 'GET', `/v1/jobs/${done.request}`);
    t.is(view.state, 'settled');
    t.true(Object.keys(view.results).length >= 1);
    for (const [worker, result] of Object.entries(view.results)) {
      t.true(workers.agents.some((a) => a.address === worker));
      t.true(Math.abs(result.x! - 2) < 0.01, `x of ${worker} is the root of 4`);
    }

    // Status lists the agents after the nodes; logs reads one by its name.
    const status = jsonOf<{ agents: { agent: string; role: string; state: string; job: string; node: string; address: string }[] }>(
      await ain(['deploy', 'status', '--name', name, '--json']),
    );
    t.deepEqual(
      status.agents.map((a) => [a.agent, a.state, a.job, a.node, a.address]),
      [
        ['evaluator-1', 'running', job, urls[1], evaluators.agents[0]!.address],
        ['worker-1', 'running', job, urls[2], workers.agents[0]!.address],
        ['worker-2', 'running', job, urls[2], workers.agents[1]!.address],
      ],
    );
    const logs = await ain(['deploy', 'logs', 'worker-2', '--name', name]);
    t.is(logs.code, 0, logs.stderr);
    t.regex(logs.stdout, /"event":"following"/);
  });

  test.serial('down --volumes leaves no container (nodes, agents, runs) and no volume behind', async (t) => {
    t.timeout(300_000);
    const run = await ain(['deploy', 'down', '--name', name, '--volumes', '--dir', state, '--json']);
    t.is(run.code, 0, run.stderr);
    t.is((JSON.parse(run.stdout) as { containers: string[] }).containers.length, 6);
    t.deepEqual(await docker.listContainers({ all: true, ...labelled }), []);
    t.deepEqual((await docker.listVolumes(labelled)).Volumes ?? [], []);
  });
}
