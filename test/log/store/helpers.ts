import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openFileLog, type FileLog, type FileLogOptions, type LogRecord } from '../../../log/store/index.ts';
import { scriptArgs } from '../../scriptArgs.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Uint8Array => encoder.encode(text);
export const texts = (records: readonly LogRecord[]): string[] => records.map((record) => decoder.decode(record.value));
export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, index) => from + index);

/** A fresh directory under the OS temp dir; remove it with `rm(dir, { recursive: true })`. */
export function tempDir(prefix = 'ain-log-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** The segment file names in `dir`, in order. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => file.endsWith('.seg')).sort();
}

/** A log in a new temp dir holding `count` records `r0`, `r1`, …, closed again. */
export async function logWithRecords(count: number, options: Partial<FileLogOptions> = {}): Promise<string> {
  const dir = await tempDir();
  const log = await openFileLog({ ...options, dir });
  await log.append(range(0, count).map((index) => bytes(`r${index}`)));
  await log.close();
  return dir;
}

export async function withFileLog<T>(options: FileLogOptions, body: (log: FileLog) => Promise<T>): Promise<T> {
  const log = await openFileLog(options);
  try {
    return await body(log);
  } finally {
    await log.close();
  }
}

/** The node arguments that run a script of this folder (compiled when the tests are, see scriptArgs). */
export const scriptPath = (name: string): string[] => scriptArgs(`test/log/store/${name}`);

/** Runs a TypeScript script under test/log/store/ in a child node; resolves with its stdout lines. */
export function runScript(name: string, args: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...scriptPath(name), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out.split('\n').filter((line) => line !== '')) : reject(new Error(`${name} exited with ${code}`))));
  });
}

/** The PID of a process that has exited: a stand-in for a crashed lock holder. */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });
}
