import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type Docker from 'dockerode';

import { generateKeyPair, type KeyPair } from '../../log/index.ts';
import { followerConfigOf, p2pPortOffset } from '../config/index.ts';
import { writeKeyFile } from '../keys/index.ts';
import { peerKeyFileName } from '../net/index.ts';
import { labelsOf, nodeUrl, volumeName, type DeployedNode } from './deployedNode.ts';
import { unhealthy } from './waitNodes.ts';
import { netOf } from './nodeProbe.ts';
import { seedVolumes } from './seedVolumes.ts';
import { readVolumeFiles } from './volumeFiles.ts';

/** A follower made by `ain deploy scale`: its node, and its key while this process holds it (to stake). */
export interface NewFollower {
  readonly node: DeployedNode;
  readonly key: KeyPair;
}

/**
 * The volumes of followers `n<from>` … `n<to>` of a deployed network: each a new node key and
 * peer key, the network's genesis (the same bytes as n1's), and n1's config with the follower's
 * own ports (API at n1's port plus its number − 1, peers 1000 above, as `ain deploy up` places
 * nodes) and every running node as a bootstrap peer (its peer id from `GET /v1/net`), so it
 * joins by catch-up. The files go through a temp dir (the key files mode 0600) into labelled
 * volumes; the temp dir is removed. Every existing node must answer (NODE_UNHEALTHY otherwise).
 */
export async function followerVolumes(docker: Docker, nodes: readonly DeployedNode[], to: number): Promise<NewFollower[]> {
  const first = nodes[0]!;
  const nets = await Promise.all(nodes.map((node) => netOf(nodeUrl(node))));
  const silent = nodes.findIndex((_, i) => nets[i]?.peerId === undefined);
  if (silent !== -1)
    throw await unhealthy(docker, nodes[silent]!, `does not answer GET /v1/net, so a new node cannot take it as a peer; run ain deploy up first`);
  const bootstrap = nodes.map((node, i) => `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${nets[i]!.peerId!}`);
  const files = await readVolumeFiles(docker, first.net, volumeName(first.net, first.node), ['genesis.json', 'config.json']);
  const template = JSON.parse(files['config.json']!) as Record<string, unknown> & { p2p?: Record<string, unknown> };

  const dir = await mkdtemp(join(tmpdir(), 'ain-scale-'));
  try {
    const made: NewFollower[] = [];
    for (let number = nodes.length + 1; number <= to; number++) {
      const key = generateKeyPair();
      const peerKey = generateKeyPair();
      const port = first.port + number - 1;
      const node: DeployedNode = { ...first, node: `n${number}`, address: key.address, role: 'follower', port, p2pPort: port + p2pPortOffset };
      const nodeDir = join(dir, node.node);
      const config = followerConfigOf(template, { port, p2pPort: node.p2pPort, bootstrap, dataDir: nodeDir, what: `the config of ${node.node} (from n1's)` });
      await mkdir(nodeDir, { mode: 0o700 });
      await writeKeyFile(join(nodeDir, 'node.key'), key);
      await writeKeyFile(join(nodeDir, peerKeyFileName), peerKey);
      await writeFile(join(nodeDir, 'genesis.json'), files['genesis.json']!, { mode: 0o644 });
      await writeFile(join(nodeDir, 'config.json'), JSON.stringify(config, null, 2) + '\n', { mode: 0o644 });
      made.push({ node, key });
    }
    await seedVolumes(
      docker,
      first.net,
      made.map(({ node }) => ({ name: volumeName(node.net, node.node), labels: labelsOf(node), from: { dir: join(dir, node.node) } })),
    );
    return made;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
