import test from 'ava';
import fc from 'fast-check';
import { explain, scenarioArbOf, type Fault, type Scenario } from '../../actors/consensus/simulation.ts';
import { genesisOf, simulateOverGossip, type GossipOutcome } from './gossipSimulation.ts';
import { keyOf } from './gossipWorld.ts';

// The consensus simulation of test/actors/consensus over the runtime's network: 4–7 validators,
// each the consensus machine with a memory transport and the consensus gossip, so every proposal
// and vote is signed, sent in the wire format and judged by the gossip validator (schema, chain,
// validator of the height, signature) before a node folds or forwards it. The simulated clock
// drives the machines' timeouts, the transports' timers and seen caches, and every packet: held,
// then delivered late (so reordered), lost or repeated, links cut by partitions, until GST. Some
// validators restart; byzantine ones (under 1/3 of the power) stay silent or sign two different
// votes and proposals for one round. Safety: no two honest validators decide different blocks at
// one height, none signs against its record, none accuses an honest one, and the gossip
// validators reject nothing (every message is well signed). Liveness: after GST every honest
// validator decides every height within a bound, catching up over requests where it missed one.

/** Simulated time after GST within which every height must be decided; runs here take a few seconds. */
const afterGstBoundMs = 30_000;
const eventsMax = 400_000;
/** Shorter than the sim over its own network: each second simulated costs real signatures. */
const gstMaxMs = 3_000;
const scenarioArb = scenarioArbOf(gstMaxMs);

/**
 * Runs that failed once, run first every time. The first (the counterexample fast-check shrank
 * a CI run of seed -563174696 to): after GST the validator of power 7
 * stayed at height 1 for good while the two that decided it waited for it at height 2; its
 * catch-up asked whoever it had heard from last (a peer as far behind, or itself), never the
 * peers ahead (the harness's bug, not the protocol's).
 */
const failedOnce: [Scenario][] = [
  [
    {
      seed: -2147483630,
      powers: [1, 7, 8, 1],
      faults: ['none', 'none', 'none', 'equivocate'],
      plan: { lossPercent: 57, duplicatePercent: 27, delayMaxMs: 1226, gstMs: 2317, deltaMs: 1, partitions: [] },
      restarts: [],
      heights: 1,
    },
  ],
];

function unsafe(outcome: GossipOutcome): string | null {
  if (outcome.violations.length > 0) return `unsafe: ${outcome.violations.join('; ')}`;
  if (outcome.refused.length > 0) return `gossip refused well-signed messages: ${outcome.refused.slice(0, 3).join('; ')}`;
  return null;
}

test('safety and liveness over random schedules, faults and restarts, over memory transports', async (t) => {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      const outcome = await simulateOverGossip(scenario, { untilMs: scenario.plan.gstMs + afterGstBoundMs, eventsMax });
      const problem = unsafe(outcome) ?? (outcome.live ? null : `not live within ${afterGstBoundMs} ms after GST: ${explain(outcome)}`);
      if (problem !== null) throw new Error(problem);
    }),
    { numRuns: 40, examples: failedOnce },
  );
  t.pass();
});

test('safety over memory transports when the network never becomes reliable', async (t) => {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      const never = { ...scenario, plan: { ...scenario.plan, gstMs: Number.MAX_SAFE_INTEGER }, heights: 5 };
      const problem = unsafe(await simulateOverGossip(never, { untilMs: 6_000, eventsMax: 50_000 }));
      if (problem !== null) throw new Error(problem);
    }),
    { numRuns: 15 },
  );
  t.pass();
});

const calm = { lossPercent: 0, duplicatePercent: 0, delayMaxMs: 50, gstMs: 0, deltaMs: 50, partitions: [] };
const limits = { untilMs: 60_000, eventsMax };

test('a silent round-0 proposer: the height is decided in a later round', async (t) => {
  const powers = [1, 1, 1, 1];
  const first = powers.findIndex((_, i) => keyOf(i + 1).address === genesisOf(powers).proposer);
  const faults = powers.map((_, i): Fault => (i === first ? 'silent' : 'none'));
  const outcome = await simulateOverGossip({ seed: 1, powers, faults, plan: calm, restarts: [], heights: 1 }, limits);
  t.is(unsafe(outcome), null);
  t.true(outcome.live);
  t.true(outcome.decidedRounds.get(1)! >= 1);
});

test('an equivocator’s two signed versions pass the gossip checks, the honest report it, and the chain goes on', async (t) => {
  const scenario: Scenario = { seed: 7, powers: [2, 2, 2, 2, 1], faults: ['none', 'none', 'none', 'none', 'equivocate'], plan: calm, restarts: [], heights: 3 };
  const outcome = await simulateOverGossip(scenario, limits);
  t.is(unsafe(outcome), null);
  t.true(outcome.live);
  t.deepEqual([...outcome.accused], [keyOf(5).address]);
});

test('a validator cut off until GST catches up on the heights it missed over requests', async (t) => {
  const alone = { startMs: 0, endMs: 5_000, sideA: [true, false, false, false, false] };
  const plan = { ...calm, gstMs: 5_000, partitions: [alone] };
  const outcome = await simulateOverGossip({ seed: 3, powers: [1, 1, 1, 1, 1], faults: [], plan, restarts: [], heights: 4 }, limits);
  t.is(unsafe(outcome), null);
  t.true(outcome.live);
  t.true(outcome.caughtUp >= 1);
});
