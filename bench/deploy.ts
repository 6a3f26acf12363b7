import { createServer } from 'node:net';
import { join } from 'node:path';

import Docker from 'dockerode';

import { deployDown, deployUp, ensureNodeImage, nodeImageRepository } from '../runtime/deploy/index.ts';
import { startDocker } from '../test/services/docker.ts';
import { withTempDir, type Figure } from './measure.ts';

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

/**
 * `deploy.image.ms`: the node image built cold (hash the app, import it); `deploy.up.ms`: `ain
 * deploy up` of 4 validators from nothing with the image cached, until every node holds the
 * first final block. One run each: a run is tens of seconds on the vfs storage driver.
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
      ];
    });
  } finally {
    await deployDown({ docker, name, volumes: true, images: true, stateDir: join('/nonexistent', name) }).catch(() => undefined);
    await engine.stop();
  }
}
