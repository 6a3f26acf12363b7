import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

import type Docker from 'dockerode';

import { AinError, type RunSpec } from '../../schemas/index.ts';
import { tarStream, type TarEntry } from './tarStream.ts';

const run = promisify(execFile);
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
export function createJobImages(docker: Docker, nodePath = process.execPath, jobImagesMax = defaultJobImagesMax): JobImages {
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
    base ??= (async () => {
      const entries = await baseEntries(nodePath);
      const tag = `${baseRepository}:${(await hashEntries(entries)).slice(0, 24)}`;
      return once(tag, async () => {
        const [repo, version] = tag.split(':') as [string, string];
        const progress = await docker.importImage(tarStream(entries), { repo, tag: version });
        await follow(docker, progress, `importing ${tag}`);
      });
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

async function exists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/** Waits for an import or build to finish; its stream reports failures as `{ error }` lines. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, lines: { error?: string }[]) => {
      const failed = error?.message ?? lines.find((line) => line.error !== undefined)?.error;
      if (failed === undefined) resolve();
      else reject(new AinError('RUNTIME_UNAVAILABLE', `The Docker engine failed ${what}: ${failed}`));
    });
  });
}

/** The root filesystem of the base image: node, its loader and libraries, and the few dirs a job needs. */
async function baseEntries(nodePath: string): Promise<TarEntry[]> {
  const node = await realpath(nodePath);
  const { stdout } = await run('ldd', [node]);
  const libraries = [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/g)].map((match) => match[1]!);
  const entries: TarEntry[] = [
    ...['usr', 'usr/bin', 'etc', 'job', 'proc', 'sys', 'dev'].map((name): TarEntry => ({ type: 'dir', name })),
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'file', name: 'etc/passwd', bytes: Buffer.from('root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n') },
    { type: 'file', name: 'etc/group', bytes: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { type: 'file', name: imageNodePath.slice(1), mode: 0o755, path: node, size: (await stat(node)).size },
  ];
  const dirs = new Set<string>();
  for (const library of libraries.sort()) {
    const parts = library.slice(1).split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      if (!dirs.has(dir) && dir !== 'usr') entries.push({ type: 'dir', name: dir });
      dirs.add(dir);
    }
    const real = await realpath(library);
    entries.push({ type: 'file', name: library.slice(1), mode: 0o755, path: real, size: (await stat(real)).size });
  }
  return entries;
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

/** SHA-256 over every entry's name, mode and content (streamed for files on disk). */
async function hashEntries(entries: readonly TarEntry[]): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of entries) {
    hash.update(`${entry.type}\u0000${entry.name}\u0000${'mode' in entry ? (entry.mode ?? '') : ''}\u0000`);
    if (entry.type === 'symlink') hash.update(entry.target);
    else if (entry.type === 'file' && 'bytes' in entry) hash.update(entry.bytes);
    else if (entry.type === 'file') for await (const chunk of createReadStream(entry.path)) hash.update(chunk as Buffer);
    hash.update('\u0000');
  }
  return hash.digest('hex');
}
