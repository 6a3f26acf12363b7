import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type Docker from 'dockerode';

import { imageExists, tarStream, type TarEntry } from '../exec/index.ts';
import { deployLabels, labelsOf, volumeName, type DeployedNode } from './deployedNode.ts';
import { onEngine } from './engine.ts';
import { nodeUser } from './nodeImage.ts';

/** An image of one empty folder: a container of it costs nothing to make and can hold volumes to write into. */
const seedImage = { repo: 'ain-deploy-seed', tag: '1' } as const;
export const seedImageTag = `${seedImage.repo}:${seedImage.tag}`;
/** Files a node's data dir may start with (`ain net init` writes four). */
const seedFilesMax = 64;

/**
 * Makes each node's named volume and writes its data dir into it: the files `ain net init` wrote
 * to `dirs[i]` (keys, genesis, config), owned by the node's user, through one container of an
 * empty image that mounts every volume and is never started (an archive put into a created
 * container lands in its volumes). Volumes made before a failure are removed again.
 */
export async function seedVolumes(docker: Docker, nodes: readonly DeployedNode[], dirs: readonly string[]): Promise<void> {
  await ensureSeedImage(docker);
  const made: string[] = [];
  let helper: Docker.Container | undefined;
  try {
    for (const node of nodes) {
      const name = volumeName(node.net, node.node);
      await onEngine(`creating the volume ${name}`, () => docker.createVolume({ Name: name, Labels: labelsOf(node) }));
      made.push(name);
    }
    const net = nodes[0]!.net;
    helper = await onEngine('creating the container that writes the volumes', () =>
      docker.createContainer({
        Image: seedImageTag,
        Cmd: ['/seed'],
        Labels: { [deployLabels.net]: net, [deployLabels.kind]: 'seed' },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Mounts: nodes.map((node) => ({ Type: 'volume' as const, Source: volumeName(node.net, node.node), Target: `/seed/${node.node}` })),
        },
      }),
    );
    const entries: TarEntry[] = [];
    for (const [i, node] of nodes.entries()) entries.push(...(await dataDirEntries(node.node, dirs[i]!)));
    const container = helper;
    await onEngine('writing the nodes’ files into their volumes', () => container.putArchive(tarStream(entries), { path: '/seed' }));
  } catch (error) {
    await helper?.remove({ force: true }).catch(() => undefined);
    helper = undefined;
    for (const name of made)
      await docker
        .getVolume(name)
        .remove()
        .catch(() => undefined);
    throw error;
  } finally {
    await helper?.remove({ force: true }).catch(() => undefined);
  }
}

/** The seed image, imported once per engine (a tar of one folder). */
async function ensureSeedImage(docker: Docker): Promise<void> {
  if (await onEngine('looking for the seed image', () => imageExists(docker, seedImageTag))) return;
  const stream = await onEngine('importing the seed image', () =>
    docker.importImage(tarStream([{ type: 'dir', name: 'seed' }]), { repo: seedImage.repo, tag: seedImage.tag, changes: ['LABEL ain.image=seed'] } as object),
  );
  await onEngine(
    'importing the seed image',
    () => new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error === null ? resolve() : reject(error)))),
  );
}

/** A node's data dir as archive entries under `<node>/`: the folder (mode 0700) and its files, all owned by the node's user. */
async function dataDirEntries(node: string, dir: string): Promise<TarEntry[]> {
  const owner = nodeUser.uid;
  const entries: TarEntry[] = [{ type: 'dir', name: node, mode: 0o700, owner }];
  const names = (await readdir(dir)).sort();
  if (names.length > seedFilesMax) throw new Error(`${dir} holds ${names.length} entries; a new node's data dir holds a few files`);
  for (const name of names) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (!info.isFile()) throw new Error(`${path} is not a plain file; ain net init writes only files`);
    entries.push({ type: 'file', name: `${node}/${name}`, mode: info.mode & 0o777, path, size: info.size, owner });
  }
  return entries;
}
