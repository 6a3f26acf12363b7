import { realpath, stat } from 'node:fs/promises';

import type Docker from 'dockerode';

import { imageNodePath, libraryEntries, type TarEntry } from '../exec/index.ts';
import { appCompiled, nodeProcessFlags } from '../config/index.ts';
import { appFiles, appRoot } from './appFiles.ts';
import { ensureLocalImage, fingerprintOf, pruneLocalImages, type LocalImageReturnType } from './localImage.ts';

/** The node image's repository; its tag is the first 24 hex digits of its content hash. */
export const nodeImageRepository = 'ain-node';
/** The user the node runs as in its container, and who owns its data dir. */
export const nodeUser = { uid: 10001, name: 'ain' } as const;
/** Where a node container keeps its data: a named volume. */
export const nodeDataDir = '/data';
/** Where the app sits in the image. */
const appDir = 'app';

export interface NodeImageParameters {
  readonly docker: Docker;
  /** The node binary whose copy (and libraries) the image runs; this process's by default. */
  readonly nodePath?: string;
  /** The repository whose app goes in; the one this module runs from by default. */
  readonly root?: string;
  /**
   * Whether the image holds the app's compiled JavaScript (`dist/`) and its containers run it
   * (AIN_COMPILED=1) instead of compiling the TypeScript through tsx at each start: by default
   * when this module runs compiled, so the containers run the code the deploying CLI runs.
   */
  readonly compiled?: boolean;
  /** A line about what is being done (hashing, importing, building), for progress. */
  readonly say?: (line: string) => void;
}

/** `tag` is `ain-node:<hash>`; `hash` covers the node, its libraries and the app (with `dist/` when compiled). */
export type NodeImageReturnType = LocalImageReturnType;

/**
 * The node image, built from this machine's files as no registry can be reached: `FROM scratch`
 * with the node binary, the shared libraries `ldd` lists for it and for the app's native addons,
 * an /etc/passwd naming the user `ain` (uid 10001), an empty /data owned by it (a volume is
 * seeded with its owner), and the app under /app (bin/, the TypeScript sources tsx runs,
 * examples/, the production node_modules; when `compiled`, the JavaScript of dist/ too, which
 * the containers run with AIN_COMPILED=1). One `docker import` makes it, one layer, with its
 * config given as changes (user, entrypoint `ain`, `VOLUME /data`, a HEALTHCHECK that runs
 * runtime/deploy/healthCheck.js with the same node, labels): a build would copy the whole root
 * filesystem once per step on the vfs storage driver. It is tagged `ain-node:<hash>` by the
 * SHA-256 of its content (which holds this module, so a change of its config changes it too) and
 * made only when that changes; a second tag `ain-node:files-<…>`, from the files' sizes and
 * times, finds it again without reading every file.
 * @example const { tag } = await ensureNodeImage({ docker: new Docker() })
 */
export async function ensureNodeImage({
  docker,
  nodePath = process.execPath,
  root = appRoot,
  compiled = appCompiled,
  say = () => undefined,
}: NodeImageParameters): Promise<NodeImageReturnType> {
  const node = await realpath(nodePath);
  const app = await appFiles(root, appDir, { compiled });
  const base = await baseEntries(node, app.addons);
  return ensureLocalImage({
    docker,
    repository: nodeImageRepository,
    entries: [...base, ...app.entries],
    fingerprint: await fingerprintOf(base, app.fingerprint),
    changes: () => configOf(compiled),
    kind: 'node',
    say,
  });
}

/** The image's config, as `docker import --change` lines. */
function configOf(compiled: boolean): string[] {
  const health = ['--interval=3s', '--timeout=3s', '--start-period=120s', '--retries=3'].join(' ');
  return [
    `USER ${nodeUser.uid}:${nodeUser.uid}`,
    `WORKDIR ${nodeDataDir}`,
    `VOLUME ${nodeDataDir}`,
    ...(compiled ? ['ENV AIN_COMPILED=1'] : []),
    `ENTRYPOINT ${JSON.stringify([imageNodePath, ...nodeProcessFlags, `/${appDir}/bin/ain.js`])}`,
    `CMD ${JSON.stringify(['node', '--data', nodeDataDir])}`,
    `HEALTHCHECK ${health} CMD ${JSON.stringify([imageNodePath, `/${appDir}/runtime/deploy/healthCheck.js`])}`,
  ];
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

/**
 * Removes the node images other than `keep` that no container uses (see pruneLocalImages).
 * Run it once the containers run the new image.
 */
export const pruneNodeImages = (docker: Docker, keep: Pick<NodeImageReturnType, 'tag'>): Promise<void> => pruneLocalImages(docker, nodeImageRepository, keep);
