import fc from 'fast-check';
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

/** The validators of a scenario, honest or byzantine as `faults` says; restarts scheduled. */
export function nodesOf(world: World, addresses: readonly string[], faults: readonly Fault[], restarts: Scenario['restarts']): HonestNode[] {
  const nodes = addresses.map((address, i) => {
    if (faults[i] === 'silent') return new SilentNode(address, world);
    if (faults[i] === 'equivocate')
      return new EquivocatingNode(
        address,
        world,
        world.random,
        addresses.filter((a) => a !== address),
      );
    return new HonestNode(address, world);
  });
  for (const { atMs, node } of restarts) {
    const target = nodes[node % nodes.length]!;
    if (world.honest.has(target.address)) world.scheduler.after(atMs, () => target.start());
  }
  return nodes;
}

/** Whether every honest node has decided `heights` heights. */
export const allDecided = (world: World, nodes: readonly HonestNode[], heights: number) => () =>
  nodes.every((n) => !world.honest.has(n.address) || n.height >= heights);

export function outcomeOf(world: World, nodes: readonly HonestNode[], gstMs: number, live: boolean): Outcome {
  const { scheduler } = world;
  return {
    violations: world.violations,
    live,
    heights: nodes.map((n) => n.height),
    byzantine: nodes.map((n) => n.address).filter((a) => !world.honest.has(a)),
    afterGstMs: Math.max(0, scheduler.nowMs - gstMs),
    events: scheduler.events,
    decidedRounds: world.decidedRounds,
    accused: world.accused,
  };
}

/** Runs a scenario until every honest validator has decided its heights, or the limits are reached. */
export function simulate(scenario: Scenario, limits: RunLimits): Outcome {
  const addresses = scenario.powers.map((_, i) => addressOf(i + 1));
  const faults = faultsOf(scenario.powers, scenario.faults);
  const honest = new Set(addresses.filter((_, i) => faults[i] === 'none'));
  const scheduler = new Scheduler();
  const random = new SeededRandom(scenario.seed);
  const world = new World(scheduler, random, testConfig, setOf(scenario.powers), honest);
  const nodes = nodesOf(world, addresses, faults, scenario.restarts);
  const byAddress = new Map(nodes.map((n) => [n.address, n]));
  world.network = new FaultyNetwork(scheduler, random, scenario.plan, addresses, (from, to, message) => byAddress.get(to)!.receive(from, message));
  for (const node of nodes) node.start();
  const live = scheduler.run(allDecided(world, nodes, scenario.heights), limits.untilMs, limits.eventsMax);
  return outcomeOf(world, nodes, scenario.plan.gstMs, live);
}

/** Scenarios of 4–7 validators with random powers, faults, network plans (GST by `gstMaxMs`), restarts and 1–3 heights. */
export function scenarioArbOf(gstMaxMs: number): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 4, max: 7 }).chain((n) =>
    fc.record({
      seed: fc.noShrink(fc.integer()),
      powers: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: n, maxLength: n }),
      faults: fc.array(fc.constantFrom<Fault>('none', 'silent', 'equivocate'), { minLength: n, maxLength: n }),
      plan: fc.record({
        lossPercent: fc.integer({ min: 0, max: 60 }),
        duplicatePercent: fc.integer({ min: 0, max: 30 }),
        delayMaxMs: fc.integer({ min: 1, max: 2000 }),
        gstMs: fc.integer({ min: 0, max: gstMaxMs }),
        deltaMs: fc.integer({ min: 1, max: 100 }),
        partitions: fc.array(
          fc.record({
            startMs: fc.integer({ min: 0, max: gstMaxMs }),
            endMs: fc.integer({ min: 0, max: gstMaxMs }),
            sideA: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          }),
          { maxLength: 3 },
        ),
      }),
      restarts: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: gstMaxMs }), node: fc.nat(n - 1) }), { maxLength: 2 }),
      heights: fc.integer({ min: 1, max: 3 }),
    }),
  );
}

/** A line on a run that was not live: how far each validator got, and who was byzantine. */
export function explain(outcome: Outcome): string {
  return `heights ${outcome.heights.join(', ')} after ${outcome.events} events; byzantine: ${outcome.byzantine.join(', ') || 'none'}`;
}
