// A libp2p transport in a child process (transportChild.ts) as a peer under test.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TransportLimits } from '../../../runtime/net/index.ts';
import { commandMethods, EventRecorder, PeerCommandError, type Command, type NetEvent, type PeerUnderTest } from './peerUnderTest.ts';
import { scriptArgs } from '../../scriptArgs.ts';

export interface ChildInit {
  /** Names the child in its log lines. */
  readonly name: string;
  readonly seedHex: string;
  readonly port?: number;
  readonly bootstrap?: readonly string[];
  readonly directPeers?: readonly string[];
  readonly announce?: readonly string[];
  readonly dialConfiguredOnly?: boolean;
  readonly limits?: Partial<TransportLimits>;
  readonly logLevel?: string;
}

export interface ChildPeer extends PeerUnderTest {
  readonly addresses: readonly string[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Closes its stdin (it stops and exits by itself), and kills it if it has not exited within `graceMs`. */
  close(graceMs?: number): Promise<void>;
  /** Kills it at once (a crash, not a stop) and waits until it has exited. */
  kill(): Promise<void>;
}

const script = scriptArgs('test/runtime/net/transportChild.ts');
const stderrLinesMax = 40;

/** Starts a child and waits (bounded) until its transport listens. */
export async function startChildPeer(init: ChildInit, readyTimeoutMs = 45_000): Promise<ChildPeer> {
  const child = spawn(process.execPath, [...script, JSON.stringify(init)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.splice(0, stderr.push(line) - stderrLinesMax));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const events = new EventRecorder();
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const gone = (why: string) => new Error(`child ${init.name} ${why}; its last log lines:\n${stderr.join('\n')}`);
  let ready: (value: { peerId: string; addresses: string[] }) => void = () => undefined;
  const started = new Promise<{ peerId: string; addresses: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(gone(`did not start within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    ready = (info) => (clearTimeout(timer), resolve(info));
    void exited.then((code) => (clearTimeout(timer), reject(gone(`exited with ${code} before it was ready`))));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { id?: number; ok?: unknown; error?: { code: string; message: string }; event?: string };
    if (message.id !== undefined) {
      const request = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) request?.reject(new PeerCommandError(message.error.code, message.error.message));
      else request?.resolve(message.ok);
    } else if (message.event === 'ready') ready(message as never);
    else events.push(message as NetEvent);
  });
  void exited.then((code) => {
    for (const request of waiting.values()) request.reject(gone(`exited with ${code}`));
    waiting.clear();
  });
  let nextId = 0;
  const run = (command: Command, timeoutMs = 30_000) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => (waiting.delete(id), reject(gone(`did not answer ${command.op} within ${timeoutMs} ms`))), timeoutMs);
      waiting.set(id, { resolve: (value) => (clearTimeout(timer), resolve(value)), reject: (error) => (clearTimeout(timer), reject(error)) });
      child.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  let info;
  try {
    info = await started;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    peerId: info.peerId,
    addresses: info.addresses,
    events,
    exited,
    ...commandMethods((command) => run(command)),
    async stop() {
      await run({ op: 'stop' });
      const code = await exited;
      if (code !== 0) throw gone(`exited with ${code} after stop`);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async close(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}
