import { z } from 'zod';

import { AinError, fromZodError, safeParse } from '../../schemas/index.ts';

/** The labels every container and volume of a deployed network carries, so the engine alone says what is deployed. */
export const deployLabels = {
  /** The network's name (`--name`). */
  net: 'ain.deploy.net',
  /** `n1` … `nN`. */
  node: 'ain.deploy.node',
  /** What the object is: `node` or `broker` (a container or its data volume), or a short-lived helper (`seed`, `format`, `audit`). */
  kind: 'ain.deploy.kind',
  /** Who orders the chain: `p2p` (the validators' consensus, each node its own log) or `kafka` (one shared topic). */
  log: 'ain.deploy.log',
  chain: 'ain.chain',
  shard: 'ain.shard',
  address: 'ain.node.address',
  role: 'ain.node.role',
  port: 'ain.node.port',
  p2pPort: 'ain.node.p2p-port',
  /** On a container: the content hash of the image it runs. */
  appHash: 'ain.app.hash',
} as const;

/** A network name: it prefixes container and volume names, so what Docker allows there, kept short. */
export const DeployName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, { message: 'must be 1-40 of a-z, 0-9, ".", "_" or "-", starting with a letter or digit' });

const Port = z.coerce.number().int().min(1).max(65535);

/** One node of a deployed network, as its volume's labels record it. */
export const DeployedNode = z.strictObject({
  net: DeployName,
  node: z.string().regex(/^n[1-9]\d{0,2}$/),
  chain: z.string().min(1),
  shard: z.string().min(1),
  address: z.string().regex(/^0x[0-9a-f]{40}$/),
  /** How it joined: a validator of the genesis (`ain deploy up`), or a follower that `ain deploy scale` added (a validator too once it staked). */
  role: z.enum(['validator', 'follower']),
  log: z.enum(['p2p', 'kafka']).default('p2p'),
  port: Port,
  p2pPort: Port,
});
export type DeployedNode = z.infer<typeof DeployedNode>;

/** The container of node `node` of network `net`. */
export const containerName = (net: string, node: string): string => `${net}-${node}`;
/** The named volume holding that node's data dir. */
export const volumeName = (net: string, node: string): string => `${net}-${node}-data`;
/** The node's API, on 127.0.0.1 of the host (the containers share the host's network). */
export const nodeUrl = (node: Pick<DeployedNode, 'port'>): string => `http://127.0.0.1:${node.port}`;

/** The labels that record `node` on its volume and container. */
export function labelsOf(node: DeployedNode): Record<string, string> {
  return {
    [deployLabels.net]: node.net,
    [deployLabels.node]: node.node,
    [deployLabels.kind]: 'node',
    [deployLabels.chain]: node.chain,
    [deployLabels.shard]: node.shard,
    [deployLabels.address]: node.address,
    [deployLabels.role]: node.role,
    [deployLabels.log]: node.log,
    [deployLabels.port]: String(node.port),
    [deployLabels.p2pPort]: String(node.p2pPort),
  };
}

/** A node read back from the labels of its volume; labels that do not describe one are a DEPLOY_CONFLICT naming the object. */
export function nodeOfLabels(labels: Record<string, string> | undefined, what: string): DeployedNode {
  const l = labels ?? {};
  const parsed = safeParse(DeployedNode, {
    net: l[deployLabels.net],
    node: l[deployLabels.node],
    chain: l[deployLabels.chain],
    shard: l[deployLabels.shard],
    address: l[deployLabels.address],
    role: l[deployLabels.role],
    log: l[deployLabels.log],
    port: l[deployLabels.port],
    p2pPort: l[deployLabels.p2pPort],
  });
  if (!parsed.success) {
    throw new AinError(
      'DEPLOY_CONFLICT',
      `${what} carries the labels of a deployed node, but not all of them: ${fromZodError(parsed.error, 'its labels').message}`,
    );
  }
  return parsed.data;
}

/** Sorts nodes n1, n2, … n10 by number. */
export const byNodeNumber = (a: Pick<DeployedNode, 'node'>, b: Pick<DeployedNode, 'node'>): number => Number(a.node.slice(1)) - Number(b.node.slice(1));
