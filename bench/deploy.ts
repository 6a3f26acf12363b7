import { createServer } from 'node:net';
import { join } from 'node:path';

import Docker from 'dockerode';

import { deployDown, deployUp, ensureNodeImage, nodeImageRepository, ownerKeyFile, type DeployUpReturnType } from '../runtime/deploy/index.ts';
import { readKeyFile } from '../runtime/keys/index.ts';
import { startDocker } from '../test/services/docker.ts';
import { withTempDir, type Figure } from './measure.ts';
import { sustained } from './net.ts';
import { openBenchPath, Tracker, withNetwork, type BenchNetwork, type BenchNode } from './netFixtures.ts';
import { waitForQuiet } from './quiet.ts';

const nodes = 4;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A base port whose `count` API ports and the peer ports 1000 above them are free. */
async function freeBasePort(count: number): Promise<number> {
  for (let base = 41_000; base < 60_000; base += 100) {
    let free = true;
    for (let i = 0; i < count && free; i++) free = (await canListen(base + i)) && (await canListen(base + i + 1000));
    if (free) return base;
  }
  throw new Error('no free ports for the bench network');
}

/** Removes every node image no container uses, so the next build is cold. */
async function removeNodeImages(docker: Docker): Promise<void> {
  for (const image of await docker.listImages({ filters: { reference: [nodeImageRepository] } }))
    for (const tag of image.RepoTags ?? [])
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
}

/** A node in a container as the net bench's load sees it: its API on 127.0.0.1 (it is not killed from here). */
const httpNode = (url: string): BenchNode => ({
  url,
  get: async (path) => (await (await fetch(url + path)).json()) as never,
  async post(path, body) {
    const response = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  },
  kill: async () => undefined,
});

/** The net bench's sustained load (bench/net.ts) on `net`, with its tracker. */
async function sustainedOn(net: BenchNetwork): Promise<Sustained> {
  await openBenchPath(net);
  const tracker = new Tracker(net);
  tracker.start();
  try {
    return await sustained(net, tracker);
  } finally {
    await tracker.stop();
  }
}

type Sustained = Awaited<ReturnType<typeof sustained>>;

/** A run once the machine is quiet. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  await waitForQuiet();
  return run();
}

/** Txs over time of several runs of the sustained load. */
const rateOf = (runs: readonly Sustained[]) => (runs.reduce((sum, r) => sum + r.txs, 0) * 1000) / runs.reduce((sum, r) => sum + r.elapsedMs, 0);

const runsOf = (runs: readonly Sustained[]) =>
  runs.map((r) => `${Math.round(r.rate)} txs/s (${r.txs} txs, ${Math.round(r.elapsedMs)} ms to applied on all; ${r.blocks})`).join(', then ');

/** The deployed validators as a bench network: their APIs, their addresses, the owner's key `deployUp` kept. */
async function containerNetwork(up: DeployUpReturnType, stateDir: string): Promise<BenchNetwork> {
  const nodes = up.nodes.map((node) => httpNode(node.url));
  const files = {
    dir: stateDir,
    owner: await readKeyFile(ownerKeyFile(stateDir)),
    nodes: up.nodes.map((node) => ({ dir: '', address: node.address, peerId: '' })),
  };
  return { files, nodes, live: () => nodes };
}

/**
 * `deploy.image.ms`: the node image built cold (hash the app, import it); `deploy.up.ms`: `ain
 * deploy up` of 4 validators from nothing with the image cached, until every node holds the
 * first final block. One run each: a run is tens of seconds on the vfs storage driver. Then
 * `net.4.sustained`'s load twice on those 4 containers and twice on 4 processes of a new network
 * (containers, processes, processes, containers), and the ratio of their rates.
 */
export async function benchDeploy(): Promise<Figure[]> {
  const engine = await startDocker();
  if (engine === undefined) return [];
  const docker = new Docker({ socketPath: engine.socketPath });
  const name = `bench${process.pid}`;
  try {
    return await withTempDir('deploy', async (dir) => {
      await removeNodeImages(docker);
      const imageStartMs = performance.now();
      const image = await ensureNodeImage({ docker });
      const imageMs = performance.now() - imageStartMs;
      if (!image.built) throw new Error(`${image.tag} was there before the cold build`);

      const upStartMs = performance.now();
      const up = await deployUp({ docker, name, nodes, basePort: await freeBasePort(nodes), stateDir: join(dir, 'state') });
      const upMs = performance.now() - upStartMs;
      if (up.finalized < 1) throw new Error('the bench network made no final block');

      // The same load on 4 nodes in containers and as processes of this machine, in the order
      // containers, processes, processes, containers: whichever kind runs first right after `up`
      // ran slower by as much as the difference sought, so each kind gets one early and one late run.
      const containers = await containerNetwork(up, join(dir, 'state'));
      const inContainers: Sustained[] = [await quietly(() => sustainedOn(containers))];
      // With the containers' settings: a verify thread per core (the test harness's nodes get one).
      const asProcesses = await withNetwork(nodes, async (net) => [await quietly(() => sustainedOn(net)), await quietly(() => sustainedOn(net))], {
        AIN_VERIFY_THREADS: '0',
      });
      inContainers.push(await quietly(() => sustainedOn(containers)));
      await deployDown({ docker, name, volumes: true, stateDir: join(dir, 'state') });
      const [containerRate, processRate] = [rateOf(inContainers), rateOf(asProcesses)];
      return [
        {
          name: 'deploy.image.ms',
          value: imageMs,
          unit: 'ms',
          note: `the node image built cold: hash the app and node (${image.tag}), one docker import; vfs storage driver`,
        },
        {
          name: 'deploy.up.ms',
          value: upMs,
          unit: 'ms',
          note: `deployUp of ${nodes} validators from nothing, image cached: volumes, containers, healthy, the first block final on all`,
        },
        {
          name: 'deploy.net.4.sustained',
          value: containerRate,
          unit: 'txs/s',
          note: `net.4.sustained's load on the ${nodes} validators in containers (host network, read-only root), run first and last: ${runsOf(inContainers)}`,
        },
        {
          name: 'deploy.net.4.processes',
          value: processRate,
          unit: 'txs/s',
          note: `the same load on ${nodes} validators as processes of this machine, run second and third: ${runsOf(asProcesses)}`,
        },
        {
          name: 'deploy.net.4.ratio',
          value: containerRate / processRate,
          unit: 'x',
          note: 'deploy.net.4.sustained / deploy.net.4.processes: what running the nodes in containers costs (target ≥ 0.9)',
        },
      ];
    });
  } finally {
    await deployDown({ docker, name, volumes: true, images: true, stateDir: join('/nonexistent', name) }).catch(() => undefined);
    await engine.stop();
  }
}
