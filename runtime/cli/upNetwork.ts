import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AinError, errorCodes, isAinError, type ErrorCode } from '../../schemas/index.ts';
import { getNet } from '../client/index.ts';
import { appRootUrl, initNetwork, nodeProcessFlags, p2pPortOffset } from '../config/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { openFileLogReader, type KeyPair } from '../../log/index.ts';
import { checkDataDirProtocol } from '../node/index.ts';

const bin = fileURLToPath(new URL('bin/ain.js', appRootUrl));

/** A local network of validators, each `ain node` a child process of `ain up`. */
export interface UpNetwork {
  readonly dir: string;
  /** Whether its files were written now (else an earlier `ain up` wrote them, and they were reused). */
  readonly fresh: boolean;
  /** Each node's API, `n1` first, and its process. */
  readonly nodes: readonly { readonly name: string; readonly url: string; readonly address: string; readonly dir: string; readonly pid: number }[];
  /** The genesis owner: owner of `/`, holding the AIN that funds the demo and the agents. */
  readonly owner: KeyPair;
  /** `n1`… for a validator's address. */
  nameOf(address: string): string;
  /** Resolves once every node holds the certificate of block `height` (it is decided, so final). */
  waitFinal(height: number, timeoutMs: number): Promise<void>;
  /**
   * Asks every node to stop (SIGTERM) and waits for them; one still running `graceMs` later
   * (default `upStopGraceMs`) is killed (SIGKILL), which loses nothing it acknowledged. Resolves
   * with the names of the nodes killed so.
   */
  stop(graceMs?: number): Promise<string[]>;
}

/**
 * How long `ain up` waits for a node it asked to stop before it kills it. A node stops in a few
 * seconds (its intake, its log synced, libp2p's connections closed); one asked while it still
 * loads stops once started. Only a node that hangs (or was paused: SIGSTOP) takes longer.
 */
export const upStopGraceMs = 30_000;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `base` if its `count` API ports and their peer ports are free; for 0, a free such base. */
async function basePortFor(base: number, count: number): Promise<number> {
  const free = async (b: number) => {
    for (let i = 0; i < count; i++) if (!(await canListen(b + i)) || !(await canListen(b + i + p2pPortOffset))) return false;
    return true;
  };
  if (base !== 0) return base;
  // Below the kernel's ephemeral ports (32768 and up on Linux): no outgoing connection of this
  // machine is given one of them between this check and the nodes' binds.
  for (let i = 0; i < 50; i++) {
    const b = 20_000 + Math.floor(Math.random() * (32_768 - 20_000 - p2pPortOffset - count));
    if (await free(b)) return b;
  }
  throw new AinError('BAD_CONFIG', `No ${count} free API ports with free peer ports ${p2pPortOffset} above them were found on 127.0.0.1; pass --port.`);
}

/** Waits until `check` holds, for at most `timeoutMs`; `failed` ends the wait at once with its error (a node that exited). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number, failed?: () => AinError | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    const failure = failed?.();
    if (failure !== undefined) throw failure;
    if (Date.now() > deadline)
      throw new AinError('NODE_UNREACHABLE', `Waited ${timeoutMs / 1000} s for ${what}; see the nodes' logs (node.log in each data dir).`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the file log in `dir` holds a record. */
async function holdsRecords(dir: string): Promise<boolean> {
  try {
    const reader = await openFileLogReader(dir);
    await reader.close();
    return reader.lastOffset() >= 0;
  } catch (error) {
    if (isAinError(error, 'NOT_FOUND') || (error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The network an earlier `ain up` left in `dir`, checked before its nodes start: one an earlier
 * (or later) ain made cannot be resumed, and `ain up` says what to do rather than waiting for
 * nodes that refuse to start.
 */
async function checkResumable(dir: string, nodes: readonly { readonly dir: string }[]): Promise<void> {
  for (const node of nodes) {
    try {
      // The log is scanned only for a data dir without a marker: a marked one is resumed as it is.
      await checkDataDirProtocol({ dataDir: node.dir, ownLogHasRecords: () => holdsRecords(join(node.dir, 'log')) });
    } catch (error) {
      if (!isAinError(error, 'DATA_DIR_OLD') && !isAinError(error, 'DATA_DIR_NEWER')) throw error;
      throw new AinError(
        error.code,
        `${dir} holds a network this ain cannot resume: ${node.dir} was made by ${String(error.details.made)}. Move it away (mv ${dir} ${dir}.old) and ain up makes a new network there, or name another directory with --data.`,
        { details: error.details },
      );
    }
  }
}

/**
 * Brings up `validators` nodes as child processes: the network's files come from `ain net init`
 * into `dir` the first time (API ports from `port`, peer ports 1000 above), and are reused after,
 * so a second `ain up` resumes the same chain. Each node's log lines go to `<dir>/nK/node.log`.
 * @example const net = await startUpNetwork({ dir: '.data/up-net', validators: 4, port: 8080 })
 */
export async function startUpNetwork({ dir, validators, port }: { dir: string; validators: number; port: number }): Promise<UpNetwork> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  const fresh = existing.length === 0;
  const base = fresh ? await basePortFor(port, validators) : 0;
  const reused = fresh ? [] : await nodesIn(dir, existing);
  // Every port a node will listen on, free before any is written or started: a node that cannot
  // listen exits, and the cause would be in its log only.
  const planned = fresh
    ? Array.from({ length: validators }, (_, i) => ({ name: `n${i + 1}`, port: base + i, p2pPort: base + i + p2pPortOffset }))
    : reused.map((node, i) => ({ name: `n${i + 1}`, ...node }));
  const taken: string[] = [];
  for (const node of planned) {
    if (!(await canListen(node.port))) taken.push(`${node.port} (${node.name}'s API)`);
    if (!(await canListen(node.p2pPort))) taken.push(`${node.p2pPort} (${node.name}'s peers)`);
  }
  if (taken.length > 0) {
    throw new AinError(
      'PORT_IN_USE',
      `Another process listens on ${taken.length === 1 ? 'port' : 'ports'} ${taken.join(', ')} on 127.0.0.1; stop it, or ${fresh ? 'give ain up --port P (API ports from P, peer ports 1000 above) or --port 0 for free ones' : `use another --data directory (this network's ports are in its nodes' config.json under ${dir}; a node of it left running by an ain up that was killed holds them too)`}.`,
      { details: { ports: taken } },
    );
  }
  const files = fresh ? await initNetwork({ dir, validators, basePort: base }) : { nodes: reused };
  if (!fresh) await checkResumable(dir, files.nodes);
  const children: ChildProcess[] = [];
  // The nodes run in their own process groups, so Ctrl-C at the terminal reaches `ain up` alone,
  // which marks its step interrupted; whenever `ain up` ends, its nodes are told to stop too.
  const killAll = () => children.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'));
  // A signal that ends `ain up` (it dies of it, and 'exit' does not run) ends its nodes first; the
  // signal then does what it would have done: another listener's work, or ending the process.
  const onSignal = (signal: NodeJS.Signals) => {
    forget();
    killAll();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const forget = () => {
    process.off('exit', killAll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.once('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stop = async (graceMs = upStopGraceMs) => {
    forget();
    const killed: string[] = [];
    await Promise.all(
      children.map(
        (child, i) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => {
              killed.push(`n${i + 1}`);
              child.kill('SIGKILL');
            }, graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    return killed;
  };
  // Where each node's log ended before this run: its own last error is looked for after it only.
  const logStarts: number[] = [];
  try {
    for (const node of files.nodes) {
      const out = openSync(join(node.dir, 'node.log'), 'a');
      logStarts.push(fstatSync(out).size);
      // The validators share this machine's cores: each checks txs on its own thread unless told otherwise.
      const env = { ...process.env, AIN_VERIFY_THREADS: process.env.AIN_VERIFY_THREADS ?? 'none' };
      children.push(spawn(process.execPath, [...nodeProcessFlags, bin, 'node', '--data', node.dir], { stdio: ['ignore', out, out], detached: true, env }));
      closeSync(out);
    }
    const nodes = files.nodes.map((node, i) => ({
      name: `n${i + 1}`,
      url: `http://127.0.0.1:${node.port}`,
      address: node.address,
      dir: node.dir,
      pid: children[i]!.pid!,
    }));
    // Any node that ends (an exit code, or a signal: killed, out of memory) ends the wait, named.
    const exited = () => {
      const i = children.findIndex((child) => child.exitCode !== null || child.signalCode !== null);
      if (i < 0) return undefined;
      const { exitCode, signalCode } = children[i]!;
      const how = exitCode === null ? `signal ${signalCode}` : `code ${exitCode}`;
      const log = join(nodes[i]!.dir, 'node.log');
      // Its own last word (a port taken, a bad config): its code and sentence, not only where to look.
      const said = lastErrorIn(log, logStarts[i]!);
      if (said !== undefined) return new AinError(said.code, `Node ${nodes[i]!.name} exited (${how}): ${said.message} (${log})`);
      return new AinError('NODE_UNREACHABLE', `Node ${nodes[i]!.name} exited (${how}); see ${log}.`);
    };
    for (const node of nodes) {
      await until(async () => (await getNet(node)).peers.length >= nodes.length - 1, `node ${node.name} to start and see its peers`, 90_000, exited);
    }
    const names = new Map(nodes.map((node) => [node.address, node.name]));
    return {
      dir,
      fresh,
      nodes,
      owner: await readKeyFile(join(dir, 'owner.key')),
      nameOf: (address) => names.get(address) ?? `${address.slice(0, 10)}…`,
      waitFinal: (height, timeoutMs) =>
        until(
          async () => {
            for (const node of nodes) {
              const { consensus } = await getNet(node);
              if ((consensus?.lastCommit?.height ?? 0) < height) return false;
            }
            return true;
          },
          `block ${height} to be decided on every node`,
          timeoutMs,
        ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** How many bytes of a node's log its last error is looked for in. */
const logTailBytes = 64 * 1024;

/** The last `error CODE: sentence` line a node wrote to its log after byte `from` (this run's; the CLI's words for what stopped it), if any. */
function lastErrorIn(path: string, from: number): { code: ErrorCode; message: string } | undefined {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, Math.min(size - from, logTailBytes)));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const found = [...text.matchAll(/^error ([A-Z][A-Z0-9_]*): (.+)$/gm)].at(-1);
  if (found === undefined || !(found[1]! in errorCodes)) return undefined;
  return { code: found[1] as ErrorCode, message: found[2]! };
}

/** The nodes of a network `ain up` made before, from their configs. */
async function nodesIn(dir: string, entries: readonly string[]): Promise<{ dir: string; port: number; p2pPort: number; address: string }[]> {
  const names = entries.filter((e) => /^n\d+$/.test(e)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  if (names.length === 0) throw new AinError('DIR_NOT_EMPTY', `${dir} holds files but no network of ain up (n1, n2, …); use another --data directory.`);
  return Promise.all(
    names.map(async (name) => {
      const nodeDir = join(dir, name);
      const config = JSON.parse(await readFile(join(nodeDir, 'config.json'), 'utf8')) as { port: number; p2p?: { port?: number } };
      const p2pPort = config.p2p?.port ?? config.port + p2pPortOffset;
      return { dir: nodeDir, port: config.port, p2pPort, address: (await readKeyFile(join(nodeDir, 'node.key'))).address };
    }),
  );
}
