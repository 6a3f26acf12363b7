import { PassThrough } from 'node:stream';

import Docker from 'dockerode';

import { AinError, isAinError } from '../../schemas/index.ts';

/** Log lines of a container that an error carries. */
export const logTailLines = 20;

/** Where the engine is looked for: `DOCKER_HOST` (as dockerode reads it), else the default socket. */
export const engineAddress = (): string => process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';

/**
 * A dockerode client for `DOCKER_HOST` or /var/run/docker.sock that answered a ping; otherwise
 * ENGINE_UNAVAILABLE saying where it looked.
 * @example const docker = await connectEngine()
 */
export async function connectEngine(docker: Docker = new Docker()): Promise<Docker> {
  try {
    await docker.ping();
    return docker;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AinError(
      'ENGINE_UNAVAILABLE',
      `No Docker engine answers at ${engineAddress()} (${reason}); start one (systemctl start docker, or test/services/docker.sh), or point DOCKER_HOST at it.`,
      { cause },
    );
  }
}

/** Runs one request to the engine; a failure is ENGINE_UNAVAILABLE naming what was being done. */
export async function onEngine<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (isAinError(cause)) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AinError('ENGINE_UNAVAILABLE', `The Docker engine failed ${what}: ${reason}`, { cause });
  }
}

/** The container's inspection, or undefined when the engine has no container by that name. */
export async function inspectContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    return onEngine(`inspecting the container ${name}`, () => Promise.reject(error));
  }
}

/** The last `lines` lines the container wrote (stdout and stderr), oldest first; none if it cannot be read. */
export async function lastLogLines(docker: Docker, name: string, lines = logTailLines): Promise<string[]> {
  try {
    const container = docker.getContainer(name);
    // Every container made here has no TTY, so its log comes multiplexed.
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxed(raw)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-lines);
  } catch {
    return [];
  }
}

/** The frames of a multiplexed log buffer (8-byte headers: stream 1 stdout or 2 stderr, 0, 0, 0, size). */
function frames(raw: Buffer): { stream: number; bytes: Buffer }[] {
  const parts: { stream: number; bytes: Buffer }[] = [];
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    parts.push({ stream: raw[at]!, bytes: raw.subarray(at + 8, at + 8 + size) });
    at += 8 + size;
  }
  return parts;
}

/** The text of a multiplexed log buffer, both streams in order. */
const demuxed = (raw: Buffer): string => Buffer.concat(frames(raw).map((frame) => frame.bytes)).toString('utf8');

/** `sentence`, then the container's last log lines indented, for an error a person reads. */
export function withLogLines(sentence: string, lines: readonly string[]): string {
  if (lines.length === 0) return sentence;
  return `${sentence} Its last log lines:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** Follows a container's output into `stdout` and `stderr` until it ends (or the container stops, with `follow`). */
export async function streamLogs(
  docker: Docker,
  name: string,
  { follow, tail, stdout, stderr }: { follow: boolean; tail?: number; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<void> {
  const container = docker.getContainer(name);
  const options = { stdout: true, stderr: true, timestamps: false, ...(tail === undefined ? {} : { tail }) };
  if (!follow) {
    const raw = (await onEngine(`reading the logs of ${name}`, () => container.logs({ ...options, follow: false }))) as unknown as Buffer;
    for (const frame of frames(raw)) (frame.stream === 2 ? stderr : stdout).write(frame.bytes);
    return;
  }
  const stream = await onEngine(`following the logs of ${name}`, () => container.logs({ ...options, follow: true }));
  const out = new PassThrough();
  const err = new PassThrough();
  out.pipe(stdout, { end: false });
  err.pipe(stderr, { end: false });
  container.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
}
