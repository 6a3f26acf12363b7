import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type Docker from 'dockerode';

import { imageExists, tarStream, type TarEntry } from '../exec/index.ts';
import { deployLabels } from './deployedNode.ts';
import { onEngine } from './engine.ts';
import { nodeUser } from './nodeImage.ts';

/** An image of one empty folder: a container of it costs nothing to make and can hold volumes to write into. */
const seedImage = { repo: 'ain-deploy-seed', tag: '1' } as const;
export const seedImageTag = `${seedImage.repo}:${seedImage.tag}`;
/** Files a data dir may start with (`ain net init` writes four per node). */
const seedFilesMax = 64;

/** A named volume to make and the files it starts with. */
export interface SeedVolume {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The files of a folder on this machine (`ain net init`'s node dir), or given ones. */
  readonly from: { readonly dir: string } | { readonly files: Record<string, string> };
}

/**
 * Makes each named volume and writes its files into it, owned by the containers' user (uid
 * 10001; the volume's root too, mode 0700), through one container of an empty image that mounts
 * every volume and is never started (an archive put into a created container lands in its
 * volumes): no copy of a large image's files is made for it. Volumes made before a failure are
 * removed again.
 */
export async function seedVolumes(docker: Docker, net: string, volumes: readonly SeedVolume[]): Promise<void> {
  await ensureSeedImage(docker);
  const made: string[] = [];
  let helper: Docker.Container | undefined;
  try {
    for (const volume of volumes) {
      await onEngine(`creating the volume ${volume.name}`, () => docker.createVolume({ Name: volume.name, Labels: volume.labels }));
      made.push(volume.name);
    }
    helper = await onEngine('creating the container that writes the volumes', () =>
      docker.createContainer({
        Image: seedImageTag,
        Cmd: ['/seed'],
        Labels: { [deployLabels.net]: net, [deployLabels.kind]: 'seed' },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          Mounts: volumes.map((volume, i) => ({ Type: 'volume' as const, Source: volume.name, Target: `/seed/${i}` })),
        },
      }),
    );
    const entries: TarEntry[] = [];
    for (const [i, volume] of volumes.entries()) entries.push(...(await volumeEntries(String(i), volume.from)));
    const container = helper;
    await onEngine('writing the files into the volumes', () => container.putArchive(tarStream(entries), { path: '/seed' }));
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
export async function ensureSeedImage(docker: Docker): Promise<void> {
  if (await onEngine('looking for the seed image', () => imageExists(docker, seedImageTag))) return;
  const stream = await onEngine('importing the seed image', () =>
    docker.importImage(tarStream([{ type: 'dir', name: 'seed' }]), { repo: seedImage.repo, tag: seedImage.tag, changes: ['LABEL ain.image=seed'] } as object),
  );
  await onEngine(
    'importing the seed image',
    () => new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error === null ? resolve() : reject(error)))),
  );
}

/** A volume's files as archive entries under `folder/`: the folder (mode 0700) and its files, all owned by the containers' user. */
async function volumeEntries(folder: string, from: SeedVolume['from']): Promise<TarEntry[]> {
  const owner = nodeUser.uid;
  const entries: TarEntry[] = [{ type: 'dir', name: folder, mode: 0o700, owner }];
  if ('files' in from) {
    for (const [name, text] of Object.entries(from.files))
      entries.push({ type: 'file', name: `${folder}/${name}`, mode: 0o644, bytes: Buffer.from(text), owner });
    return entries;
  }
  const names = (await readdir(from.dir)).sort();
  if (names.length > seedFilesMax) throw new Error(`${from.dir} holds ${names.length} entries; a new node's data dir holds a few files`);
  for (const name of names) {
    const path = join(from.dir, name);
    const info = await lstat(path);
    if (!info.isFile()) throw new Error(`${path} is not a plain file; ain net init writes only files`);
    entries.push({ type: 'file', name: `${folder}/${name}`, mode: info.mode & 0o777, path, size: info.size, owner });
  }
  return entries;
}
