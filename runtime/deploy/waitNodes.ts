import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { containerName, nodeUrl, type DeployedNode } from './deployedNode.ts';
import { inspectContainer, lastLogLines, withLogLines } from './engine.ts';
import { netOf, progressOf } from './nodeProbe.ts';

const pollMs = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the node's container is running and the engine calls it healthy (its HEALTHCHECK
 * got `{ ok: true }` from `/v1/health`). A container that exits, restarts or turns unhealthy,
 * or is not healthy within `timeoutMs`, is NODE_UNHEALTHY (PORT_IN_USE when its log says the
 * address is taken) with its last log lines.
 */
export async function waitHealthy(docker: Docker, node: DeployedNode, timeoutMs: number): Promise<void> {
  const name = containerName(node.net, node.node);
  const deadline = Date.now() + timeoutMs;
  let restarts: number | undefined;
  for (;;) {
    const info = await inspectContainer(docker, name);
    if (info === undefined) throw await unhealthy(docker, node, 'was removed while it started');
    restarts ??= info.RestartCount;
    const health = info.State.Health?.Status;
    if (info.State.Running && health === 'healthy') return;
    if ((!info.State.Running && !info.State.Restarting) || info.RestartCount > restarts)
      throw await unhealthy(docker, node, `exited (code ${info.State.ExitCode})`);
    if (health === 'unhealthy') throw await unhealthy(docker, node, 'failed its health check (GET /v1/health)');
    if (Date.now() > deadline) throw await unhealthy(docker, node, `was not healthy within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

/** The error for a node container that did not come up, with its last log lines. */
export async function unhealthy(docker: Docker, node: DeployedNode, why: string): Promise<AinError> {
  const name = containerName(node.net, node.node);
  const logs = await lastLogLines(docker, name);
  const taken = logs.some((line) => /EADDRINUSE/.test(line));
  const sentence = taken
    ? `Node ${node.node} (container ${name}) ${why}: its API port ${node.port} or peer port ${node.p2pPort} on 127.0.0.1 is taken by another process; free it, or deploy under another --name with another --port-base.`
    : `Node ${node.node} (container ${name}, ${nodeUrl(node)}) ${why}; see ain deploy logs ${node.node}.`;
  return new AinError(taken ? 'PORT_IN_USE' : 'NODE_UNHEALTHY', withLogLines(sentence, logs), { details: { node: node.node, container: name, logs } });
}

/** Waits until every node sees all the others as peers (`GET /v1/net`). */
export async function waitPeers(docker: Docker, nodes: readonly DeployedNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nets = await Promise.all(nodes.map((node) => netOf(nodeUrl(node))));
    const lonely = nodes.find((_, i) => (nets[i]?.peers.length ?? -1) < nodes.length - 1);
    if (lonely === undefined) return;
    if (Date.now() > deadline) throw await unhealthy(docker, lonely, `did not see its ${nodes.length - 1} peers within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

/**
 * Waits until every node holds the same final height, at least 1: the highest any of them has,
 * or, on a chain with no block yet, the block of the tx `firstTx` sends (the chain makes no empty
 * blocks). Resolves the height; 0 when there is no block and no `firstTx`. A node that does not
 * get there within `timeoutMs` is NOT_FINAL with its last log lines.
 */
export async function waitFinal(docker: Docker, nodes: readonly DeployedNode[], timeoutMs: number, firstTx?: () => Promise<void>): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let target: number | undefined;
  for (;;) {
    const healths = await Promise.all(nodes.map((node) => progressOf(nodeUrl(node))));
    if (target === undefined) {
      const highest = Math.max(0, ...healths.map((health) => health?.finalized ?? 0));
      if (highest === 0 && firstTx === undefined) return 0;
      if (highest === 0) await firstTx!();
      target = Math.max(1, highest);
    }
    const behind = nodes.findIndex((_, i) => (healths[i]?.finalized ?? -1) < target!);
    if (behind === -1) return target;
    if (Date.now() > deadline) {
      const node = nodes[behind]!;
      const name = containerName(node.net, node.node);
      const logs = await lastLogLines(docker, name);
      const at = healths[behind] === undefined ? 'does not answer' : `is final up to ${healths[behind]!.finalized}`;
      throw new AinError('NOT_FINAL', withLogLines(`Node ${node.node} (container ${name}) ${at}, not ${target}, after ${timeoutMs / 1000} s.`, logs), {
        details: { node: node.node, container: name, target, logs },
      });
    }
    await sleep(pollMs);
  }
}
