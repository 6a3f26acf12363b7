import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import type Docker from 'dockerode';

import { AinError, type RunSpec } from '../../schemas/index.ts';
import { followImageProgress as follow, hashEntries, imageExists as exists, libraryEntries } from './imageBuild.ts';
import { tarStream, type TarEntry } from './tarStream.ts';
/** Where the node binary sits in every image we build. */
export const imageNodePath = '/usr/bin/node';
const baseRepository = 'ain-exec-base';
const jobRepository = 'ain-exec-job';
/** Most files a job directory may bring into its image. */
const jobFilesMax = 10_000;
/** Job images kept in the engine by default; older ones are removed as new ones are built. */
const defaultJobImagesMax = 16;

/** Images by tag that exist (built or found) in the engine, so later runs skip the lookup. */
export interface JobImages {
  /** The image a run uses: the base with the job's files in /job, built once per content hash. */
  forJob(spec: Pick<RunSpec, 'files' | 'dir'>): Promise<string>;
}

/**
 * Builds job images from this machine's files, as no registry can be reached: a base image
 * (`docker import` of the node binary, the shared libraries `ldd` lists, /tmp, /job and an
 * /etc/passwd naming nobody), and per job `FROM base` + `COPY job/ /job/`. Both are tagged by the
 * SHA-256 of their inputs, so an image is built once per engine and content.
 */
export function createJobImages(docker: Docker, nodePath = process.execPath, jobImagesMax = defaultJobImagesMax, baseTag?: string): JobImages {
  const ready = new Map<string, Promise<string>>();
  const once = (tag: string, build: () => Promise<void>): Promise<string> => {
    let pending = ready.get(tag);
    if (pending === undefined) {
      pending = (async () => {
        if (!(await exists(docker, tag))) await build();
        return tag;
      })();
      pending.catch(() => ready.delete(tag));
      ready.set(tag, pending);
    }
    return pending;
  };

  let base: Promise<string> | undefined;
  const baseImage = (): Promise<string> => {
    base ??=
      baseTag === undefined
        ? ensureJobBaseImage(docker, nodePath)
        : (async () => {
            if (!(await exists(docker, baseTag)))
              throw new AinError('RUNTIME_UNAVAILABLE', `The job base image ${baseTag} is not in the engine; whoever started this agent builds it first.`);
            return baseTag;
          })();
    base.catch(() => (base = undefined));
    return base;
  };

  return {
    async forJob(spec) {
      const from = await baseImage();
      const files = await jobEntries(spec);
      if (files.length === 0) return from;
      const dockerfile = `FROM ${from}\nCOPY job/ /job/\n`;
      const context: TarEntry[] = [{ type: 'file', name: 'Dockerfile', bytes: Buffer.from(dockerfile) }, ...files];
      const tag = `${jobRepository}:${(await hashEntries(context)).slice(0, 24)}`;
      return once(tag, async () => {
        const progress = await docker.buildImage(tarStream(context), {
          t: tag,
          rm: true,
          forcerm: true,
          networkmode: 'none',
          pull: false,
        } as Docker.ImageBuildOptions);
        await follow(docker, progress, `building ${tag}`);
        await pruneJobImages(docker, jobImagesMax);
      });
    },
  };
}

/**
 * The base image of every job image (`ain-exec-base:<hash>`): the node binary at /usr/bin/node,
 * the libraries `ldd` lists for it, /tmp, /job and an /etc/passwd naming nobody, imported once
 * per engine and content. A process with no `ldd` (an agent in a container of the node image)
 * is given its tag instead (createJobImages' `baseTag`).
 * @example const tag = await ensureJobBaseImage(new Docker())
 */
export async function ensureJobBaseImage(docker: Docker, nodePath = process.execPath): Promise<string> {
  const entries = await baseEntries(nodePath);
  const tag = `${baseRepository}:${(await hashEntries(entries)).slice(0, 24)}`;
  if (await exists(docker, tag)) return tag;
  const [repo, version] = tag.split(':') as [string, string];
  const progress = await docker.importImage(tarStream(entries), { repo, tag: version });
  await follow(docker, progress, `importing ${tag}`);
  return tag;
}

/**
 * Removes all but the newest `keep` job images: with the vfs storage driver each one is a full
 * copy of the root filesystem. An image a container still uses stays (the engine refuses).
 */
async function pruneJobImages(docker: Docker, keep: number): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [jobRepository] } });
  const old = images.sort((a, b) => b.Created - a.Created).slice(keep);
  for (const image of old)
    await docker
      .getImage(image.Id)
      .remove()
      .catch(() => undefined);
}

/** The root filesystem of the base image: node, its loader and libraries, and the few dirs a job needs. */
async function baseEntries(nodePath: string): Promise<TarEntry[]> {
  const node = await realpath(nodePath);
  const entries: TarEntry[] = [
    ...['usr', 'usr/bin', 'etc', 'job', 'proc', 'sys', 'dev'].map((name): TarEntry => ({ type: 'dir', name })),
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'file', name: 'etc/passwd', bytes: Buffer.from('root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n') },
    { type: 'file', name: 'etc/group', bytes: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { type: 'file', name: imageNodePath.slice(1), mode: 0o755, path: node, size: (await stat(node)).size },
  ];
  return [...entries, ...(await libraryEntries([node], new Set(['usr'])))];
}

/** The job's files under `job/` of a build context: `spec.dir` walked, then `spec.files` over it. */
async function jobEntries(spec: Pick<RunSpec, 'files' | 'dir'>): Promise<TarEntry[]> {
  const byName = new Map<string, TarEntry>();
  if (spec.dir !== undefined) {
    for await (const path of walk(spec.dir)) {
      const info = await stat(path);
      if (!info.isFile()) continue;
      if (byName.size >= jobFilesMax) throw new AinError('TOO_LARGE', `The job directory ${spec.dir} has more than ${jobFilesMax} files.`);
      const name = `job/${relative(spec.dir, path)}`;
      byName.set(name, { type: 'file', name, mode: info.mode & 0o111 ? 0o755 : 0o644, path, size: info.size });
    }
  }
  for (const [path, text] of Object.entries(spec.files)) byName.set(`job/${path}`, { type: 'file', name: `job/${path}`, bytes: Buffer.from(text) });
  const files = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.name.split('/');
    for (let depth = 2; depth < parts.length; depth++) dirs.add(parts.slice(0, depth).join('/'));
  }
  return files.length === 0 ? [] : [{ type: 'dir', name: 'job' }, ...[...dirs].sort().map((name): TarEntry => ({ type: 'dir', name })), ...files];
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
