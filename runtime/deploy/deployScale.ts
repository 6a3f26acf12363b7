import Docker from 'dockerode';

import { AinError, Amount, safeParse } from '../../schemas/index.ts';
import { createNodeSubmitter } from '../client/index.ts';
import { p2pPortOffset } from '../config/index.ts';
import { readKeyFile } from '../keys/index.ts';
import { containerName, nodeUrl, volumeName, type DeployedNode } from './deployedNode.ts';
import { deployedNodes, deployNodesMax } from './deployUp.ts';
import { connectEngine, inspectContainer, onEngine } from './engine.ts';
import { followerVolumes, type NewFollower } from './followerVolumes.ts';
import { checkPortsFree, upContainer, type DeployAction } from './nodeContainer.ts';
import { ensureNodeImage } from './nodeImage.ts';
import { netOf } from './nodeProbe.ts';
import { ownerKeyFile } from './ownerKey.ts';
import { unhealthy, waitFinal, waitHealthy } from './waitNodes.ts';

const pollMs = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DeployScaleParameters {
  readonly docker?: Docker;
  readonly name: string;
  /** How many nodes the network is to have: more adds followers, fewer removes the highest-numbered nodes. */
  readonly nodes: number;
  /** With it, each node added stakes this much AIN (a decimal string) after it caught up: the owner sends it, its key stakes it. */
  readonly stake?: string;
  /** Where the network's owner key is (`ain deploy up --dir`); needed with `stake`. */
  readonly stateDir: string;
  /** Bound on each wait: health, peers, catch-up, the stake's blocks. 180 s by default. */
  readonly timeoutMs?: number;
  readonly say?: (line: string) => void;
}

export interface DeployScaleReturnType {
  readonly name: string;
  /** Every node the network has now, n1 first, with what scale did to it. */
  readonly nodes: readonly (DeployedNode & { readonly url: string; readonly container: string; readonly action: DeployAction })[];
  /** The nodes removed (their containers and volumes), highest first. */
  readonly removed: readonly string[];
  /** The nodes added that staked, with the stake. */
  readonly staked: readonly { readonly node: string; readonly address: string; readonly amount: string }[];
  /** The final height every node holds. */
  readonly finalized: number;
}

/**
 * `ain deploy scale --nodes M`: grows a deployed network by followers, or shrinks it. A follower
 * is a new node on a new volume (the network's genesis, n1's config with its own ports and the
 * running nodes as bootstrap peers) that joins by catch-up and votes in nothing; with `stake` it
 * becomes a validator by a `stake` tx its own key signs once it holds the chain, funded by the
 * owner's key (the new key is made here and never read back out of its volume, so this is the
 * moment it can sign). Shrinking stops and removes the highest-numbered nodes' containers and
 * volumes; a validator among them whose stake the rest need for more than 2/3 is WOULD_HALT,
 * and nothing is removed. Running it again with the same count changes nothing but starting what
 * is stopped. The network's nodes must be up (ain deploy up).
 * @example await deployScale({ name: 'ain', nodes: 5, stateDir: '.data/deploy/ain' })
 */
export async function deployScale(parameters: DeployScaleParameters): Promise<DeployScaleReturnType> {
  const { name, nodes: count, say = () => undefined } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 180_000;
  if (!Number.isSafeInteger(count) || count < 1 || count > deployNodesMax)
    throw new AinError('BAD_CONFIG', `A deployed network has 1 to ${deployNodesMax} nodes, not ${count}.`);
  if (parameters.stake !== undefined && !safeParse(Amount, parameters.stake).success)
    throw new AinError('BAD_CONFIG', `--stake is an amount of AIN as a whole decimal number, not "${parameters.stake}".`);
  const docker = await connectEngine(parameters.docker ?? new Docker());
  const existing = await deployedNodes(docker, name);
  if (existing.length === 0)
    throw new AinError(
      'NOT_FOUND',
      `Nothing is deployed under the name ${name}; ain deploy up${name === 'ain' ? '' : ` --name ${name}`} deploys a network first.`,
    );

  const removed = count < existing.length ? await shrink(docker, existing, count, say) : [];
  const kept = existing.slice(0, count);
  const owner = parameters.stake !== undefined && count > existing.length ? await ownerOf(parameters.stateDir) : undefined;
  const image = await onEngine('building the node image', () => ensureNodeImage({ docker, say }));
  const added: NewFollower[] = [];
  if (count > existing.length) {
    const numbers = Array.from({ length: count - existing.length }, (_, i) => existing.length + i + 1);
    const ports = numbers.flatMap((n) => [existing[0]!.port + n - 1, existing[0]!.port + n - 1 + p2pPortOffset]);
    await checkPortsFree(ports, name);
    added.push(...(await followerVolumes(docker, existing, count)));
    say(
      `${added.length} new node${added.length === 1 ? '' : 's'} (${added.map((f) => f.node.node).join(', ')}): a new key, the network's genesis and n1's config with the others as peers`,
    );
  }
  const nodes = [...kept, ...added.map((f) => f.node)];
  const actions = await Promise.all(nodes.map((node) => upContainer(docker, node, image)));
  for (const [i, node] of nodes.entries()) if (actions[i] !== 'unchanged') say(`${containerName(name, node.node)}: ${actions[i]}`);
  await Promise.all(nodes.map((node) => waitHealthy(docker, node, timeoutMs)));
  await waitSeesPeers(
    docker,
    added.map((f) => f.node),
    kept.length,
    timeoutMs,
  );
  let finalized = await waitFinal(docker, nodes, timeoutMs);
  say(`every node is final up to block ${finalized}`);

  const staked: { node: string; address: string; amount: string }[] = [];
  if (owner !== undefined) {
    const via = nodeUrl(kept[0]!);
    const funds = createNodeSubmitter({ nodeUrl: via, key: owner, waitMs: timeoutMs });
    for (const { node, key } of added) {
      await funds.submit({ type: 'send', to: node.address, amount: parameters.stake! });
      const { height } = await createNodeSubmitter({ nodeUrl: via, key, waitMs: timeoutMs }).submit({ type: 'stake', amount: parameters.stake! });
      say(`${node.node} staked ${parameters.stake} AIN (the owner sent it; block ${height}): a validator from the next height`);
      staked.push({ node: node.node, address: node.address, amount: parameters.stake! });
      finalized = Math.max(finalized, height);
    }
    finalized = await waitFinal(docker, nodes, timeoutMs);
  }
  return {
    name,
    nodes: nodes.map((node, i) => ({ ...node, url: nodeUrl(node), container: containerName(name, node.node), action: actions[i]! })),
    removed,
    staked,
    finalized,
  };
}

/** The owner's key for `--stake`: NOT_FOUND when this machine does not keep it. */
async function ownerOf(stateDir: string) {
  return readKeyFile(ownerKeyFile(stateDir)).catch((cause: unknown) => {
    throw new AinError(
      'NOT_FOUND',
      `--stake funds each new node from the network's owner key, and ${ownerKeyFile(stateDir)} cannot be read; pass the --dir ain deploy up was given.`,
      { cause },
    );
  });
}

/**
 * Removes the nodes above `count`, highest first: their containers (SIGTERM, then 30 s) and
 * volumes. WOULD_HALT, before anything is removed, when validators among them hold so much
 * stake that the rest hold 2/3 of it or less (the validator set as the first node left says).
 */
async function shrink(docker: Docker, nodes: readonly DeployedNode[], count: number, say: (line: string) => void): Promise<string[]> {
  const leaving = nodes.slice(count).reverse();
  const net = await netOf(nodeUrl(nodes[0]!));
  if (net?.validators === undefined) throw await unhealthy(docker, nodes[0]!, 'does not answer GET /v1/net, so which nodes are validators is not known');
  const stakeOf = (address: string) => BigInt(net.validators!.find((v) => v.address === address)?.stake ?? '0');
  const total = net.validators.reduce((sum, v) => sum + BigInt(v.stake), 0n);
  const lost = leaving.reduce((sum, node) => sum + stakeOf(node.address), 0n);
  const validators = leaving.filter((node) => stakeOf(node.address) > 0n);
  if (validators.length > 0 && (total - lost) * 3n <= total * 2n) {
    throw new AinError(
      'WOULD_HALT',
      `Removing ${validators.map((n) => n.node).join(', ')} would take ${lost} of the ${total} AIN staked off the network: the rest would hold 2/3 of the stake or less, and the chain would decide no more blocks. Unstake first, or keep ${validators.length === 1 ? 'it' : 'them'} (--nodes ${Number(validators.at(-1)!.node.slice(1))} or more).`,
      { details: { validators: validators.map((n) => n.node), stakeLost: lost.toString(), stakeTotal: total.toString() } },
    );
  }
  for (const node of leaving) {
    const container = containerName(node.net, node.node);
    const info = await inspectContainer(docker, container);
    if (info !== undefined) {
      if (info.State.Running)
        await docker
          .getContainer(container)
          .stop({ t: 30 })
          .catch(() => undefined);
      await onEngine(`removing ${container}`, () => docker.getContainer(container).remove({ force: true, v: true }));
    }
    await onEngine(`removing the volume ${volumeName(node.net, node.node)}`, () => docker.getVolume(volumeName(node.net, node.node)).remove());
    say(
      `${node.node} removed (${stakeOf(node.address) > 0n ? `a validator with ${stakeOf(node.address)} of ${total} staked` : 'not a validator'}): its container and volume`,
    );
  }
  return leaving.map((node) => node.node);
}

/** Waits until each new node sees at least `peers` peers (the nodes that were there). */
async function waitSeesPeers(docker: Docker, nodes: readonly DeployedNode[], peers: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    while (((await netOf(nodeUrl(node)))?.peers.length ?? -1) < peers) {
      if (Date.now() > deadline) throw await unhealthy(docker, node, `did not see the network's ${peers} nodes as peers within ${timeoutMs / 1000} s`);
      await sleep(pollMs);
    }
  }
}
