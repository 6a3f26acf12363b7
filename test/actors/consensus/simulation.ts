import { FaultyNetwork, Scheduler, SeededRandom, type NetworkPlan } from './simNetwork.ts';
import { EquivocatingNode, HonestNode, SilentNode, World } from './simNodes.ts';
import { addressOf, setOf, testConfig } from './fixtures.ts';

export type Fault = 'none' | 'silent' | 'equivocate';

/** One run of the simulation: who the validators are, how they fail, how the network behaves. */
export interface Scenario {
  readonly seed: number;
  readonly powers: readonly number[];
  /** Wished faults per validator; a fault that would give the faulty 1/3 of the power or more is dropped. */
  readonly faults: readonly Fault[];
  readonly plan: NetworkPlan;
  /** Honest validators that crash and restart from their log and last-signed record. */
  readonly restarts: readonly { readonly atMs: number; readonly node: number }[];
  readonly heights: number;
}

/** When a run stops if the honest validators have not all decided their heights by then. */
export interface RunLimits {
  readonly untilMs: number;
  readonly eventsMax: number;
}

export interface Outcome {
  readonly violations: readonly string[];
  /** Every honest validator decided `heights` heights within the limits. */
  readonly live: boolean;
  readonly heights: readonly number[];
  readonly byzantine: readonly string[];
  /** Simulated time from GST until the last honest validator reached the last height. */
  readonly afterGstMs: number;
  readonly events: number;
  readonly decidedRounds: ReadonlyMap<number, number>;
  readonly accused: ReadonlySet<string>;
}

/** Faults kept only while the faulty hold less than 1/3 of the power, so the honest hold more than 2/3. */
export function faultsOf(powers: readonly number[], wished: readonly Fault[]): Fault[] {
  const total = powers.reduce((a, b) => a + b, 0);
  let faulty = 0;
  return powers.map((power, i) => {
    const fault = wished[i] ?? 'none';
    if (fault === 'none' || 3 * (faulty + power) >= total) return 'none';
    faulty += power;
    return fault;
  });
}

/** Runs a scenario until every honest validator has decided its heights, or the limits are reached. */
export function simulate(scenario: Scenario, limits: RunLimits): Outcome {
  const addresses = scenario.powers.map((_, i) => addressOf(i + 1));
  const faults = faultsOf(scenario.powers, scenario.faults);
  const honest = new Set(addresses.filter((_, i) => faults[i] === 'none'));
  const scheduler = new Scheduler();
  const random = new SeededRandom(scenario.seed);
  const world = new World(scheduler, random, testConfig, setOf(scenario.powers), honest);
  const nodes = addresses.map((address, i) => {
    if (faults[i] === 'silent') return new SilentNode(address, world);
    if (faults[i] === 'equivocate')
      return new EquivocatingNode(
        address,
        world,
        random,
        addresses.filter((a) => a !== address),
      );
    return new HonestNode(address, world);
  });
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  world.network = new FaultyNetwork(scheduler, random, scenario.plan, addresses, (from, to, message) => byAddress.get(to)!.receive(from, message));
  for (const { atMs, node } of scenario.restarts) {
    const target = nodes[node % nodes.length]!;
    if (honest.has(target.address)) scheduler.after(atMs, () => target.start());
  }
  for (const node of nodes) node.start();
  const honestNodes = nodes.filter((n) => honest.has(n.address));
  const done = () => honestNodes.every((n) => n.height >= scenario.heights);
  const live = scheduler.run(done, limits.untilMs, limits.eventsMax);
  return {
    violations: world.violations,
    live,
    heights: nodes.map((n) => n.height),
    byzantine: addresses.filter((a) => !honest.has(a)),
    afterGstMs: Math.max(0, scheduler.nowMs - scenario.plan.gstMs),
    events: scheduler.events,
    decidedRounds: world.decidedRounds,
    accused: world.accused,
  };
}
