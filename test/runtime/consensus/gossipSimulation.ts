import { validatorSetOf, type ConsensusConfig } from '../../../actors/index.ts';
import { createConsensusGossip } from '../../../runtime/consensus/consensusGossip.ts';
import { testConfig } from '../../actors/consensus/fixtures.ts';
import { Scheduler, SeededRandom } from '../../actors/consensus/simNetwork.ts';
import { World, type HonestNode } from '../../actors/consensus/simNodes.ts';
import { allDecided, faultsOf, nodesOf, outcomeOf, type Outcome, type RunLimits, type Scenario } from '../../actors/consensus/simulation.ts';
import { DecidedExchange, GossipWire, keyOf, keySigner, scheduledNetwork, simChain, simGenesis } from './gossipWorld.ts';
import type { MemoryNetwork } from '../../../runtime/net/index.ts';

/**
 * The sim's timeouts, but resends once a second: every resent message is verified again by each
 * node, and signatures are what a run spends its time on.
 */
export const gossipSimConfig: ConsensusConfig = { ...testConfig, timeouts: { ...testConfig.timeouts, gossipMs: 1_000 } };

/** The validator set of height 1: validator `i` holds key `keyOf(i + 1)` and power `powers[i]`. */
export const genesisOf = (powers: readonly number[]) => validatorSetOf(powers.map((power, i) => ({ address: keyOf(i + 1).address, power: String(power) })));

/** Lets the promises of the transports and gossip validators settle before the clock moves on. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a run over gossip adds to the outcome. */
export interface GossipOutcome extends Outcome {
  /** Messages a gossip validator rejected: none is expected, every validator signs for real. */
  readonly refused: readonly string[];
  /** Blocks appended from a peer's answer rather than decided by the node's own consensus. */
  readonly caughtUp: number;
}

/**
 * Runs a scenario (test/actors/consensus/simulation.ts) with each validator speaking through its
 * consensus gossip over a memory transport, until every honest validator has decided its heights
 * or the limits are reached. Silent validators run a transport and subscribe to nothing.
 * @example const outcome = await simulateOverGossip(scenario, { untilMs: 30_000, eventsMax: 200_000 })
 */
export async function simulateOverGossip(scenario: Scenario, limits: RunLimits, config: ConsensusConfig = gossipSimConfig): Promise<GossipOutcome> {
  const keys = scenario.powers.map((_, i) => keyOf(i + 1));
  const addresses = keys.map((k) => k.address);
  const faults = faultsOf(scenario.powers, scenario.faults);
  const honest = new Set(addresses.filter((_, i) => faults[i] === 'none'));
  const scheduler = new Scheduler();
  const random = new SeededRandom(scenario.seed);
  const world = new World(scheduler, random, config, genesisOf(scenario.powers), honest, keySigner(keys));
  const nodes = nodesOf(world, addresses, faults, scenario.restarts);
  const wire = new GossipWire();
  world.network = wire;
  const network = scheduledNetwork(scheduler, random, scenario.plan, addresses);
  const refused: string[] = [];
  const exchanges = await Promise.all(nodes.map((node, i) => join({ network, wire, scheduler, world, refused }, node, faults[i] === 'silent')));
  for (const node of nodes) node.start();
  const live = await scheduler.runSettled(allDecided(world, nodes, scenario.heights), limits.untilMs, limits.eventsMax, settle);
  return { ...outcomeOf(world, nodes, scenario.plan.gstMs, live), refused, caughtUp: exchanges.reduce((sum, e) => sum + e.caughtUp, 0) };
}

/** Gives a node its transport, consensus gossip and catch-up; the gossip validator judges by the node's current height and set. */
async function join(
  { network, wire, scheduler, world, refused }: { network: MemoryNetwork; wire: GossipWire; scheduler: Scheduler; world: World; refused: string[] },
  node: HonestNode,
  silent: boolean,
): Promise<DecidedExchange> {
  const transport = network.createTransport({ peerId: node.address });
  const view = {
    chain: simChain,
    shard: '/',
    genesis: simGenesis,
    height: () => node.state.height,
    isValidator: (address: string) => node.state.validators.validators.some((v) => v.address === address),
    wasValidatorAt: (address: string, height: number) => world.setAt(height).validators.some((v) => v.address === address),
  };
  const onRefused = (kind: string, from: string, reason: string, validation: string) => {
    if (validation === 'reject') refused.push(`${node.address.slice(0, 8)} rejected ${kind} from ${from.slice(0, 8)}: ${reason}`);
  };
  const gossip = createConsensusGossip(transport, view, onRefused, 0, () => scheduler.nowMs);
  const exchange = new DecidedExchange(node, transport, scheduler);
  if (!silent) {
    wire.attach(node.address, gossip);
    await exchange.serve();
    gossip.subscribe((message, from) => {
      if ('evidence' in message) return;
      const { height, signer } =
        'proposal' in message ? { ...message.proposal, signer: message.proposal.proposer } : { ...message.vote, signer: message.vote.from };
      exchange.heard(signer, height);
      node.receive(from, 'proposal' in message ? { type: 'proposal', proposal: message.proposal } : { type: 'vote', vote: message.vote });
    });
  }
  await transport.start();
  return exchange;
}
