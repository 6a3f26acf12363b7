// One validator of a test network behind TCP relays, the way an operator puts a validator behind
// sentries or a port forward: it announces a relay to its own peer port, dials the others only
// through relays to theirs (p2p.dialConfiguredOnly), and the others dial it only at its relay. So
// every byte between it and the network crosses a relay of the test, and cutting the relays cuts
// the node off without root.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTcpRelay, type TcpRelay } from '../net/tcpRelay.ts';
import type { NetworkFiles } from './networkHarness.ts';

export interface RelayedNode {
  /** The relay to the node's own peer port, then one to each other node's. */
  readonly relays: readonly TcpRelay[];
  /** Destroys every connection through the relays and refuses new ones. */
  cut(): void;
  restore(): void;
}

interface P2pSection {
  port: number;
  bootstrap: string[];
  announce?: string[];
  dialConfiguredOnly?: boolean;
}

type ConfigFile = { p2p: P2pSection } & Record<string, unknown>;

const configPath = (dir: string) => join(dir, 'config.json');
const readConfig = async (dir: string) => JSON.parse(await readFile(configPath(dir), 'utf8')) as ConfigFile;
const writeConfig = (dir: string, config: ConfigFile) => writeFile(configPath(dir), JSON.stringify(config, null, 2) + '\n');

/**
 * Rewrites the configs of a network from `ain net init` (before its nodes start) so that node
 * `index` reaches the others and they reach it only through relays of this process, closed after
 * the test.
 * @example const relayed = await putBehindRelays(t, files, 3); …; relayed.cut(); …; relayed.restore()
 */
export async function putBehindRelays(t: { teardown(fn: () => unknown): void }, files: NetworkFiles, index: number): Promise<RelayedNode> {
  const configs = await Promise.all(files.nodes.map((node) => readConfig(node.dir)));
  const relays: TcpRelay[] = [];
  t.teardown(() => Promise.all(relays.map((relay) => relay.close())));
  const toIt = await startTcpRelay({ targetPort: configs[index]!.p2p.port });
  relays.push(toIt);
  const bootstrap: string[] = [];
  for (const [j, node] of files.nodes.entries()) {
    if (j === index) continue;
    const toOther = await startTcpRelay({ targetPort: configs[j]!.p2p.port });
    relays.push(toOther);
    bootstrap.push(`${toOther.multiaddr}/p2p/${node.peerId}`);
    const p2p = configs[j]!.p2p;
    const itsPeerId = files.nodes[index]!.peerId;
    p2p.bootstrap = p2p.bootstrap.map((address) => (address.endsWith(`/p2p/${itsPeerId}`) ? `${toIt.multiaddr}/p2p/${itsPeerId}` : address));
  }
  configs[index]!.p2p = { ...configs[index]!.p2p, bootstrap, announce: [toIt.multiaddr], dialConfiguredOnly: true };
  await Promise.all(files.nodes.map((node, j) => writeConfig(node.dir, configs[j]!)));
  return {
    relays,
    cut: () => relays.forEach((relay) => relay.cut()),
    restore: () => relays.forEach((relay) => relay.restore()),
  };
}
