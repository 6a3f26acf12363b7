import { stat } from 'node:fs/promises';

import type Docker from 'dockerode';

import { followImageProgress, hashEntries, imageExists, tarStream, type TarEntry } from '../exec/index.ts';

/** Hex digits of the content hash in a tag. */
const hashDigits = 24;
/** The labels of an image built here: what it is, and the content hash it was built from. */
export const imageLabels = { kind: 'ain.image', hash: 'ain.app.hash' } as const;

export interface LocalImageParameters {
  readonly docker: Docker;
  /** `ain-node`, `ain-kafka`: tags are `<repository>:<hash>` and `<repository>:files-<fingerprint>`. */
  readonly repository: string;
  /** The image's root filesystem. */
  readonly entries: readonly TarEntry[];
  /** Equal while none of the entries' files changed (their sizes and times): finds the image without hashing them. */
  readonly fingerprint: string;
  /** The image's config as `docker import --change` lines, for its content hash (its labels are added). */
  readonly changes: (hash: string) => readonly string[];
  /** What `ain.image` says the image is. */
  readonly kind: string;
  readonly say?: (line: string) => void;
}

export interface LocalImageReturnType {
  /** `<repository>:<hash>`: what containers run. */
  readonly tag: string;
  /** SHA-256 of the image's whole root filesystem. */
  readonly hash: string;
  /** Whether this call imported the image (false: the engine had it). */
  readonly built: boolean;
}

/**
 * An image made from files of this machine by one `docker import` (one layer; the config as
 * changes: a build would copy the whole root filesystem once per step on the vfs storage driver),
 * tagged by the SHA-256 of its content and made only when that changes. A second tag,
 * `files-<fingerprint>`, finds it again without reading every file.
 * @example const { tag } = await ensureLocalImage({ docker, repository: 'ain-node', entries, fingerprint, changes, kind: 'node' })
 */
export async function ensureLocalImage({
  docker,
  repository,
  entries,
  fingerprint,
  changes,
  kind,
  say = () => undefined,
}: LocalImageParameters): Promise<LocalImageReturnType> {
  const filesTag = `files-${fingerprint.slice(0, hashDigits)}`;
  const known = await inspectImage(docker, `${repository}:${filesTag}`);
  const knownHash = known?.Config?.Labels?.[imageLabels.hash];
  if (knownHash !== undefined) {
    const version = knownHash.slice(0, hashDigits);
    // A prune may have taken the hash tag of an image a container kept.
    if (!(await imageExists(docker, `${repository}:${version}`))) await docker.getImage(known!.Id).tag({ repo: repository, tag: version });
    return { tag: `${repository}:${version}`, hash: knownHash, built: false };
  }
  say(`hashing ${entries.length} files for ${repository}`);
  const hash = await hashEntries(entries);
  const version = hash.slice(0, hashDigits);
  const tag = `${repository}:${version}`;
  const built = !(await imageExists(docker, tag));
  if (built) {
    say(`importing ${tag} (${entries.length} files)`);
    const config = [`LABEL ${imageLabels.kind}=${kind} ${imageLabels.hash}=${hash}`, ...changes(hash)];
    const progress = await docker.importImage(tarStream(entries), { repo: repository, tag: version, changes: config } as object);
    await followImageProgress(docker, progress, `importing ${tag}`);
  }
  await docker.getImage(tag).tag({ repo: repository, tag: filesTag });
  return { tag, hash, built };
}

/**
 * Removes the images of `repository` other than `keep` (their tags, and with the last tag the
 * image) that no container uses (the engine refuses those): with the vfs storage driver each is
 * a full copy. Run it once the containers run the new image.
 */
export async function pruneLocalImages(docker: Docker, repository: string, keep: Pick<LocalImageReturnType, 'tag'>): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [repository] } });
  for (const image of images) {
    if (image.RepoTags?.includes(keep.tag) === true) continue;
    for (const tag of image.RepoTags ?? [])
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined);
  }
}

/** A fingerprint of entries: their names, and for files on disk their sizes and modification times; `extra` first. */
export async function fingerprintOf(entries: readonly TarEntry[], extra = ''): Promise<string> {
  const parts = [extra];
  for (const entry of entries) {
    if (entry.type === 'file' && 'path' in entry) {
      const info = await stat(entry.path);
      parts.push(`${entry.name}:${entry.mode ?? ''}:${info.size}:${info.mtimeMs}`);
    } else parts.push(`${entry.name}:${'mode' in entry ? (entry.mode ?? '') : ''}:${entry.owner ?? 0}`);
  }
  return hashEntries([{ type: 'file', name: 'fingerprint', bytes: Buffer.from(parts.join('\n')) }]);
}

async function inspectImage(docker: Docker, tag: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
