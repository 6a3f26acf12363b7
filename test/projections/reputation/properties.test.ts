import test from 'ava';
import fc from 'fast-check';
import { applyReputationEvents, createReputation, loadReputation, type ReputationState } from '../../../projections/index.ts';
import { chunksOf, cuts, jobEventStream } from './jobEventArbitrary.ts';

/** The RTree's two directions agree, children are sorted and unique, and Elo is zero-sum per job but for the K each challenge penalty took. */
function consistent(state: ReputationState): boolean {
  for (const { nodes } of Object.values(state.jobs)) {
    let ratingsTotal = 0;
    for (const [address, entry] of Object.entries(nodes)) {
      ratingsTotal += entry.rating - state.initialRating + state.kFactor * (entry.challengePenalties ?? 0);
      if (entry.children.some((child, i) => i > 0 && entry.children[i - 1]! >= child)) return false;
      if (entry.children.some((child) => !Object.hasOwn(nodes, child) || nodes[child]!.parent !== address)) return false;
      if (entry.parent !== null && !nodes[entry.parent]?.children.includes(address)) return false;
      if (entry.submitted > 0 && entry.responseMsAverage === null) return false;
    }
    if (Math.abs(ratingsTotal) > 1e-3) return false;
  }
  return true;
}

test('property: any job event stream folds without throwing, consistently, and identically at once, in chunks or through a snapshot', (t) => {
  fc.assert(
    fc.property(jobEventStream, cuts, fc.integer({ min: 0, max: 64 }), (events, at, kFactor) => {
      const once = applyReputationEvents(createReputation({ kFactor }), events);
      const whole = JSON.stringify(once);
      if (JSON.stringify(applyReputationEvents(createReputation({ kFactor }), events)) !== whole) return false;
      let chunked = createReputation({ kFactor });
      for (const chunk of chunksOf(events, at)) chunked = applyReputationEvents(loadReputation(JSON.parse(JSON.stringify(chunked))), chunk);
      return JSON.stringify(chunked) === whole && consistent(once);
    }),
    { numRuns: 300 },
  );
  t.pass();
});
