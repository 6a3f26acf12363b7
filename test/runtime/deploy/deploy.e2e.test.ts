// `ain deploy` against a real Docker engine (test/services/docker.sh): a network of 4 validators
// as containers, from nothing to gone, then 3 on a Kafka broker in a container. Each network
// goes through the steps in order (each test builds on the one before), as a person would run
// them; the vfs storage driver makes every container a full copy of the image, so the file takes
// a few minutes.
import { access, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import test from 'ava';
import Docker from 'dockerode';

import { deployLabels } from '../../../runtime/deploy/index.ts';
import { startDocker } from '../../services/docker.ts';
import { startKafka } from '../../services/kafka.ts';
import { basePort } from '../consensus/networkHarness.ts';
import { until } from '../node/nodeProcess.ts';
import { ainOn, eventOf, getJson, untilFinalOn, writeThrough } from './deployHarness.ts';

const service = await startDocker();

interface UpNode {
  node: string;
  url: string;
  address: string;
  container: string;
  port: number;
  action: string;
}
interface UpEvent {
  nodes: UpNode[];
  finalized: number;
  ownerKey?: string;
}
interface StatusNode {
  node: string;
  state: string;
  health: string;
  height: number | null;
  finalized: number | null;
  peers: number | null;
  problems: { code: string; message: string }[];
}

if (service === undefined) {
  test.skip('ain deploy: needs a Docker engine (test/services/docker.sh)', () => undefined);
} else {
  const docker = new Docker({ socketPath: service.socketPath });
  const ain = ainOn(service.socketPath);
  const name = `t${process.pid}`;
  let dir: string;
  let base: number;
  let up: UpEvent;
  const urlOf = (node: string) => up.nodes.find((n) => n.node === node)!.url;
  const others = (but: string) => up.nodes.filter((n) => n.node !== but).map((n) => n.url);
  const containersOf = () => docker.listContainers({ all: true, filters: { label: [`${deployLabels.net}=${name}`] } });

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ain-deploy-e2e-'));
    base = await basePort(4);
  });
  test.after.always(async () => {
    // Whatever a failed step left: the networks, their volumes and the images this file built.
    const kafkaDown = await ain(['deploy', 'down', '--name', `${name}k`, '--volumes', '--dir', join(dir, 'kafka')]);
    if (kafkaDown.code !== 0) console.error(kafkaDown.stderr);
    const down = await ain(['deploy', 'down', '--name', name, '--volumes', '--images', '--dir', join(dir, 'state')]);
    if (down.code !== 0) console.error(down.stderr);
    await rm(dir, { recursive: true, force: true });
    await service.stop();
  });

  test.serial('without an engine: ENGINE_UNAVAILABLE, saying where it looked', async (t) => {
    const run = await ain(['deploy', 'status', '--name', name], { DOCKER_HOST: `unix://${join(dir, 'no.sock')}` });
    t.is(run.code, 1);
    t.regex(run.stderr, /^error ENGINE_UNAVAILABLE: No Docker engine answers at unix:\/\/.*no\.sock/);
  });

  test.serial('up --nodes 4 from nothing: 4 healthy containers, a tx sent to one is final on all, status agrees', async (t) => {
    t.timeout(420_000);
    const run = await ain(['deploy', 'up', '--nodes', '4', '--name', name, '--port-base', String(base), '--dir', join(dir, 'state'), '--json']);
    t.is(run.code, 0, run.stderr);
    up = eventOf<UpEvent>(run, 'up');
    t.deepEqual(
      up.nodes.map((n) => [n.node, n.url, n.action]),
      [1, 2, 3, 4].map((i) => [`n${i}`, `http://127.0.0.1:${base + i - 1}`, 'created']),
    );
    t.true(up.finalized >= 1);
    t.is((await stat(up.ownerKey!)).mode & 0o777, 0o600, 'the owner key is kept with mode 0600');

    const containers = await containersOf();
    t.is(containers.length, 4);
    for (const container of containers) {
      const info = await docker.getContainer(container.Id).inspect();
      t.is(info.State.Health?.Status, 'healthy');
      t.is(info.HostConfig.NetworkMode, 'host');
      t.true(info.HostConfig.ReadonlyRootfs);
      t.is(info.Config.User, '10001:10001');
      t.regex(info.Config.Labels[deployLabels.address] ?? '', /^0x[0-9a-f]{40}$/);
      // A CLI run compiled (npm test) deploys an image of that JavaScript, which its containers run.
      t.is((info.Config.Env ?? []).includes('AIN_COMPILED=1'), process.env.AIN_COMPILED === '1');
    }

    const hash = await writeThrough(urlOf('n2'), 1);
    const height = await untilFinalOn(
      up.nodes.map((n) => n.url),
      hash,
    );
    const status = await ain(['deploy', 'status', '--name', name, '--json']);
    t.is(status.code, 0, status.stderr);
    const nodes = (JSON.parse(status.stdout) as { nodes: StatusNode[] }).nodes;
    t.deepEqual(
      nodes.map((n) => [n.node, n.state, n.health, n.peers]),
      [1, 2, 3, 4].map((i) => [`n${i}`, 'running', 'healthy', 3]),
    );
    for (const node of nodes) t.true(node.finalized! >= height && node.height! >= height, `${node.node} is final up to ${height}`);
  });

  test.serial('up again changes nothing: the same containers, not restarted', async (t) => {
    t.timeout(180_000);
    const before = await Promise.all((await containersOf()).map((c) => docker.getContainer(c.Id).inspect()));
    const run = await ain(['deploy', 'up', '--name', name, '--dir', join(dir, 'state'), '--json']);
    t.is(run.code, 0, run.stderr);
    t.deepEqual(
      eventOf<UpEvent>(run, 'up').nodes.map((n) => n.action),
      ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
    );
    const after = await Promise.all((await containersOf()).map((c) => docker.getContainer(c.Id).inspect()));
    t.deepEqual(after.map((c) => [c.Id, c.State.StartedAt]).sort(), before.map((c) => [c.Id, c.State.StartedAt]).sort());
    const conflict = await ain(['deploy', 'up', '--name', name, '--nodes', '3', '--dir', join(dir, 'state')]);
    t.is(conflict.code, 1);
    t.regex(conflict.stderr, /^error DEPLOY_CONFLICT: The network \S+ is deployed with --nodes 4, not 3/);
  });

  test.serial('restart of the proposer: the chain goes on without it, and it catches up', async (t) => {
    t.timeout(240_000);
    const latest = await getJson<{ header: { proposer: string } }>(urlOf('n1'), '/v1/blocks/latest');
    const proposer = up.nodes.find((n) => n.address === latest.header.proposer)!;
    const restarting = ain(['deploy', 'restart', proposer.node, '--name', name, '--json']);
    // While it restarts, the other three (3 of 4 stake, more than 2/3) finalize a new tx.
    const during = await writeThrough(others(proposer.node)[0]!, 2);
    await untilFinalOn(others(proposer.node), during);
    const restarted = await restarting;
    t.is(restarted.code, 0, restarted.stderr);
    const after = await writeThrough(urlOf(proposer.node), 3);
    await untilFinalOn(
      up.nodes.map((n) => n.url),
      after,
    );
    await untilFinalOn([proposer.url], during);
    t.pass();
  });

  test.serial('docker kill of a container: the rest go on; up again starts it and it catches up', async (t) => {
    t.timeout(240_000);
    const victim = up.nodes[2]!;
    await docker.getContainer(victim.container).kill();
    const hash = await writeThrough(urlOf('n1'), 4);
    await untilFinalOn(others(victim.node), hash);
    const status = JSON.parse((await ain(['deploy', 'status', '--name', name, '--json'])).stdout) as { nodes: StatusNode[] };
    t.is(status.nodes.find((n) => n.node === victim.node)!.state, 'exited');

    const run = await ain(['deploy', 'up', '--name', name, '--dir', join(dir, 'state'), '--json']);
    t.is(run.code, 0, run.stderr);
    t.deepEqual(
      eventOf<UpEvent>(run, 'up').nodes.map((n) => n.action),
      up.nodes.map((n) => (n.node === victim.node ? 'started' : 'unchanged')),
    );
    await untilFinalOn([victim.url], hash);
  });

  test.serial('a taken port is PORT_IN_USE, naming it; nothing is deployed', async (t) => {
    const taken = await basePort(1);
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    try {
      const other = `${name}x`;
      const run = await ain(['deploy', 'up', '--nodes', '1', '--name', other, '--port-base', String(taken), '--dir', join(dir, 'other')]);
      t.is(run.code, 1);
      t.regex(run.stderr, new RegExp(`^error PORT_IN_USE: Port ${taken} on 127\\.0\\.0\\.1 is taken`));
      t.deepEqual(await docker.listVolumes({ filters: { label: [`${deployLabels.net}=${other}`] } }).then((v) => v.Volumes ?? []), []);
    } finally {
      server.close();
    }
  });

  test.serial('ain deploy audit of a stopped node replays its volume: everything matches', async (t) => {
    t.timeout(180_000);
    const node = up.nodes[3]!;
    await docker.getContainer(node.container).stop({ t: 30 });
    const run = await ain(['deploy', 'audit', node.node, '--name', name, '--json']);
    t.is(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; blocks: number };
    t.true(report.ok);
    t.true(report.blocks >= 4, `${report.blocks} blocks replayed`);
  });

  test.serial('down --volumes leaves no container, volume or owner key behind', async (t) => {
    t.timeout(180_000);
    const run = await ain(['deploy', 'down', '--name', name, '--volumes', '--dir', join(dir, 'state'), '--json']);
    t.is(run.code, 0, run.stderr);
    const down = JSON.parse(run.stdout) as { containers: string[]; volumes: string[] };
    t.is(down.containers.length, 4);
    t.is(down.volumes.length, 4);
    t.deepEqual(await containersOf(), []);
    t.deepEqual(await docker.listVolumes({ filters: { label: [`${deployLabels.net}=${name}`] } }).then((v) => v.Volumes ?? []), []);
    await t.throwsAsync(stat(join(dir, 'state', 'owner.key')));
  });

  /** Kafka's jars as test/services/kafka.sh fetches them (it runs once, briefly, when they are not there yet); false if it cannot. */
  const kafkaJars = async (): Promise<boolean> => {
    const cache = join(process.env.AIN_CACHE_DIR ?? join(homedir(), '.cache', 'ain'), 'kafka');
    for (const version of await readdir(cache).catch(() => [] as string[]))
      if (
        await access(join(cache, version, '.complete')).then(
          () => true,
          () => false,
        )
      )
        return true;
    const broker = await startKafka();
    await broker?.stop();
    return broker !== undefined;
  };

  const kafkaName = `${name}k`;
  let kafkaUp: UpEvent & { broker: { container: string; action: string } };

  test.serial('up --log kafka --nodes 3: a broker container and 3 healthy nodes on its topic; a tx sent to one is final on all', async (t) => {
    t.timeout(420_000);
    if (!(await kafkaJars())) return t.pass('skipped: no Kafka jars (test/services/kafka.sh could not fetch them)');
    const run = await ain([
      'deploy',
      'up',
      '--log',
      'kafka',
      '--nodes',
      '3',
      '--name',
      kafkaName,
      '--port-base',
      String(await basePort(3)),
      '--dir',
      join(dir, 'kafka'),
      '--json',
    ]);
    t.is(run.code, 0, run.stderr);
    kafkaUp = eventOf(run, 'up');
    t.deepEqual(
      kafkaUp.nodes.map((n) => n.action),
      ['created', 'created', 'created'],
    );
    t.is(kafkaUp.broker.action, 'created');
    const hash = await writeThrough(kafkaUp.nodes[1]!.url, 5);
    const urls = kafkaUp.nodes.map((n) => n.url);
    let height = 0;
    await until(
      async () => {
        for (const url of urls) {
          const landed = await getJson<{ height?: number; outcome?: { code: string } }>(url, `/v1/tx/${hash}`).catch(() => undefined);
          if (landed?.outcome?.code !== 'ok') return false;
          height = landed.height!;
          // On Kafka a block is final once more than 2/3 of the stake attested it (GET /v1/health).
          if ((await getJson<{ finalized: number }>(url, '/v1/health')).finalized < height) return false;
        }
        return true;
      },
      'the tx final on the 3 nodes',
      120_000,
    );
    const status = JSON.parse((await ain(['deploy', 'status', '--name', kafkaName, '--json'])).stdout) as { nodes: StatusNode[]; broker: { state: string } };
    t.is(status.broker.state, 'running');
    t.deepEqual(
      status.nodes.map((n) => [n.state, n.health]),
      [
        ['running', 'healthy'],
        ['running', 'healthy'],
        ['running', 'healthy'],
      ],
    );
    for (const node of status.nodes) t.true(node.finalized! >= height);
    t.deepEqual(
      status.nodes.map((n) => n.problems),
      [[], [], []],
      'no node says anything keeps it from its work',
    );
  });

  test.serial('on Kafka, ain deploy audit of a stopped node reads the topic: everything matches; down --volumes leaves nothing', async (t) => {
    t.timeout(240_000);
    if (kafkaUp === undefined) return t.pass('skipped with the test before');
    await docker.getContainer(kafkaUp.nodes[2]!.container).stop({ t: 30 });
    const audit = await ain(['deploy', 'audit', 'n3', '--name', kafkaName, '--json']);
    t.is(audit.code, 0, audit.stderr);
    t.true((JSON.parse(audit.stdout) as { ok: boolean }).ok);
    const down = await ain(['deploy', 'down', '--name', kafkaName, '--volumes', '--dir', join(dir, 'kafka'), '--json']);
    t.is(down.code, 0, down.stderr);
    t.is((JSON.parse(down.stdout) as { containers: string[] }).containers.length, 4);
    t.deepEqual(await docker.listContainers({ all: true, filters: { label: [`${deployLabels.net}=${kafkaName}`] } }), []);
    t.deepEqual(await docker.listVolumes({ filters: { label: [`${deployLabels.net}=${kafkaName}`] } }).then((v) => v.Volumes ?? []), []);
  });
}
