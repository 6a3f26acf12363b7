import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { deployLabels } from './deployedNode.ts';
import { onEngine } from './engine.ts';
import { ensureSeedImage, seedImageTag } from './seedVolumes.ts';

/** Bytes one file read out of a volume may have: a data dir's genesis and config are a few KiB. */
const volumeFileBytesMax = 1024 * 1024;

/**
 * The text of the files `names` at the root of the named volume, read through a container of the
 * empty seed image that mounts it read-only and is never started (an archive is read out of a
 * created container's volumes as out of a running one's). A file that is not there is NOT_FOUND.
 * @example const { 'genesis.json': genesis } = await readVolumeFiles(docker, 'ain', 'ain-n1-data', ['genesis.json'])
 */
export async function readVolumeFiles(docker: Docker, net: string, volume: string, names: readonly string[]): Promise<Record<string, string>> {
  await ensureSeedImage(docker);
  const helper = await onEngine(`creating the container that reads ${volume}`, () =>
    docker.createContainer({
      Image: seedImageTag,
      Cmd: ['/seed'],
      Labels: { [deployLabels.net]: net, [deployLabels.kind]: 'seed' },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/seed/0', ReadOnly: true }] },
    }),
  );
  try {
    const files: Record<string, string> = {};
    for (const name of names) {
      const archive = await helper.getArchive({ path: `/seed/0/${name}` }).catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 404) throw new AinError('NOT_FOUND', `The volume ${volume} holds no ${name}.`);
        throw error;
      });
      files[name] = firstFileOf(await bytesOf(archive as NodeJS.ReadableStream), `${name} of ${volume}`);
    }
    return files;
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk as Buffer);
    size += bytes.length;
    // A header block and padding come with the file.
    if (size > volumeFileBytesMax + 4096) throw new AinError('TOO_LARGE', `A file read out of a volume holds more than ${volumeFileBytesMax} bytes.`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** The text of the first regular file of a ustar archive (the engine's archive of one file). */
function firstFileOf(tar: Buffer, what: string): string {
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (type === '0' || type === '\0') return tar.subarray(at + 512, at + 512 + size).toString('utf8');
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new AinError('NOT_FOUND', `The engine's archive of ${what} holds no file.`);
}
