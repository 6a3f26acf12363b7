import { realpath, stat } from 'node:fs/promises';

import type Docker from 'dockerode';

import { followImageProgress, hashEntries, imageExists, imageNodePath, libraryEntries, tarStream, type TarEntry } from '../exec/index.ts';
import { appFiles, appRoot } from './appFiles.ts';

/** The node image's repository; its tag is the first 24 hex digits of its content hash. */
export const nodeImageRepository = 'ain-node';
/** Hex digits of the content hash in a tag. */
const hashDigits = 24;
/** The user the node runs as in its container, and who owns its data dir. */
export const nodeUser = { uid: 10001, name: 'ain' } as const;
/** Where a node container keeps its data: a named volume. */
export const nodeDataDir = '/data';
/** Where the app sits in the image. */
const appDir = 'app';
/** The image's labels: what it is, and the content hash it was built from. */
export const imageLabels = { kind: 'ain.image', hash: 'ain.app.hash' } as const;

export interface NodeImageParameters {
  readonly docker: Docker;
  /** The node binary whose copy (and libraries) the image runs; this process's by default. */
  readonly nodePath?: string;
  /** The repository whose app goes in; the one this module runs from by default. */
  readonly root?: string;
  /** A line about what is being done (hashing, importing, building), for progress. */
  readonly say?: (line: string) => void;
}

export interface NodeImageReturnType {
  /** `ain-node:<hash>`: what containers run. */
  readonly tag: string;
  /** SHA-256 of the image's whole root filesystem (the node, its libraries, the app). */
  readonly hash: string;
  /** Whether this call imported the image (false: the engine had it). */
  readonly built: boolean;
}

/**
 * The node image, built from this machine's files as no registry can be reached: `FROM scratch`
 * with the node binary, the shared libraries `ldd` lists for it and for the app's native addons,
 * an /etc/passwd naming the user `ain` (uid 10001), an empty /data owned by it (a volume is
 * seeded with its owner), and the app under /app (bin/, the TypeScript sources tsx runs,
 * examples/, the production node_modules). One `docker import` makes it, one layer, with its
 * config given as changes (user, entrypoint `ain`, `VOLUME /data`, a HEALTHCHECK that runs
 * runtime/deploy/healthCheck.js with the same node, labels): a build would copy the whole root
 * filesystem once per step on the vfs storage driver. It is tagged `ain-node:<hash>` by the
 * SHA-256 of its content and made only when that changes; a second tag `ain-node:files-<…>`,
 * from the files' sizes and times, finds it again without reading every file.
 * @example const { tag } = await ensureNodeImage({ docker: new Docker() })
 */
export async function ensureNodeImage({
  docker,
  nodePath = process.execPath,
  root = appRoot,
  say = () => undefined,
}: NodeImageParameters): Promise<NodeImageReturnType> {
  const node = await realpath(nodePath);
  const app = await appFiles(root, appDir);
  const base = await baseEntries(node, app.addons);
  const filesTag = `files-${(await fingerprintOf(app.fingerprint, base)).slice(0, 24)}`;
  const known = await inspectImage(docker, `${nodeImageRepository}:${filesTag}`);
  const knownHash = known?.Config?.Labels?.[imageLabels.hash];
  if (knownHash !== undefined) {
    const version = knownHash.slice(0, hashDigits);
    // A prune may have taken the hash tag of an image a container kept.
    if (!(await imageExists(docker, `${nodeImageRepository}:${version}`))) await docker.getImage(known!.Id).tag({ repo: nodeImageRepository, tag: version });
    return { tag: `${nodeImageRepository}:${version}`, hash: knownHash, built: false };
  }

  say(`hashing the app (${app.entries.length} files) and the node runtime`);
  const entries = [...base, ...app.entries];
  const hash = await hashEntries(entries);
  const version = hash.slice(0, hashDigits);
  const tag = `${nodeImageRepository}:${version}`;
  const built = !(await imageExists(docker, tag));
  if (built) {
    say(`importing ${tag} (${entries.length} files)`);
    const progress = await docker.importImage(tarStream(entries), { repo: nodeImageRepository, tag: version, changes: configOf(hash) } as object);
    await followImageProgress(docker, progress, `importing ${tag}`);
  }
  await docker.getImage(tag).tag({ repo: nodeImageRepository, tag: filesTag });
  return { tag, hash, built };
}

/** The image's config, as `docker import --change` lines. */
function configOf(hash: string): string[] {
  const health = ['--interval=3s', '--timeout=3s', '--start-period=120s', '--retries=3'].join(' ');
  return [
    `LABEL ${imageLabels.kind}=node ${imageLabels.hash}=${hash}`,
    `USER ${nodeUser.uid}:${nodeUser.uid}`,
    `WORKDIR ${nodeDataDir}`,
    `VOLUME ${nodeDataDir}`,
    `ENTRYPOINT ${JSON.stringify([imageNodePath, `/${appDir}/bin/ain.js`])}`,
    `CMD ${JSON.stringify(['node', '--data', nodeDataDir])}`,
    `HEALTHCHECK ${health} CMD ${JSON.stringify([imageNodePath, `/${appDir}/runtime/deploy/healthCheck.js`])}`,
  ];
}

async function inspectImage(docker: Docker, tag: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** Everything but the app: the few dirs and files a root needs, the node and the libraries. */
async function baseEntries(node: string, addons: readonly string[]): Promise<TarEntry[]> {
  const { uid, name } = nodeUser;
  const entries: TarEntry[] = [
    ...['usr', 'usr/bin', 'etc', 'proc', 'sys', 'dev'].map((dir): TarEntry => ({ type: 'dir', name: dir })),
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'dir', name: nodeDataDir.slice(1), mode: 0o700, owner: uid },
    {
      type: 'file',
      name: 'etc/passwd',
      bytes: Buffer.from(`root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${uid}:ain node:${nodeDataDir}:/sbin/nologin\n`),
    },
    { type: 'file', name: 'etc/group', bytes: Buffer.from(`root:x:0:\n${name}:x:${uid}:\n`) },
    { type: 'file', name: imageNodePath.slice(1), mode: 0o755, path: node, size: (await stat(node)).size },
  ];
  return [...entries, ...(await libraryEntries([node, ...addons], new Set(['usr'])))];
}

/** The app's fingerprint with the base's entries (their names, and the sizes and times of the files on disk). */
async function fingerprintOf(appFingerprint: string, base: readonly TarEntry[]): Promise<string> {
  const parts = [appFingerprint];
  for (const entry of base) {
    if (entry.type === 'file' && 'path' in entry) {
      const info = await stat(entry.path);
      parts.push(`${entry.name}:${info.size}:${info.mtimeMs}`);
    } else parts.push(entry.name);
  }
  return hashEntries([{ type: 'file', name: 'fingerprint', bytes: Buffer.from(parts.join('\n')) }]);
}

/**
 * Removes the node images other than `keep` (their tags, and with the last tag the image) that
 * no container uses (the engine refuses those): with the vfs storage driver each is a full copy.
 * Run it once the containers run the new image.
 */
export async function pruneNodeImages(docker: Docker, keep: Pick<NodeImageReturnType, 'tag'>): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [nodeImageRepository] } });
  for (const image of images) {
    if (image.RepoTags?.includes(keep.tag) === true) continue;
    for (const tag of image.RepoTags ?? []) {
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
    }
  }
}
