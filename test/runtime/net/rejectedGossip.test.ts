import test from 'ava';
import { gossipScoreThresholds, RejectedGossip } from '../../../runtime/net/libp2pTransport.ts';

// What a peer's rejected gossip costs it in gossipsub's score (its application-specific part).

test('each rejected message counts: -20, -80, then -180 below the graylist threshold, said once; the count decays x0.97 a second', (t) => {
  let nowMs = 0;
  const rejected = new RejectedGossip(() => nowMs);
  t.is(rejected.score('p'), 0, 'a peer never rejected scores 0');
  t.false(rejected.rejected('p'));
  t.is(rejected.score('p'), -20);
  t.false(rejected.rejected('p'));
  t.is(rejected.score('p'), -80);
  t.is(gossipScoreThresholds.graylistThreshold, -80, 'two are not below it');
  t.true(rejected.rejected('p'), 'the third puts it below');
  t.is(rejected.score('p'), -180);
  t.false(rejected.rejected('p'), 'said once while it stays below');
  t.is(rejected.score('other'), 0, 'per peer');
  // Four decay under two (score above the threshold) in 23 s; what is left is forgotten (under a half) within a minute more.
  nowMs = 22_000;
  t.true(rejected.score('p') < gossipScoreThresholds.graylistThreshold);
  nowMs = 23_000;
  t.true(rejected.score('p') >= gossipScoreThresholds.graylistThreshold);
  t.true(rejected.rejected('p'), 'below again: said again');
  nowMs = 23_000 + 60_000;
  t.is(rejected.score('p'), 0);
});

test('at most peersMax peers are remembered: past it the one rejected longest ago goes', (t) => {
  const rejected = new RejectedGossip(() => 0);
  for (let i = 0; i <= RejectedGossip.peersMax; i++) rejected.rejected(`p${i}`);
  t.is(rejected.score('p0'), 0);
  t.is(rejected.score('p1'), -20);
  t.is(rejected.score(`p${RejectedGossip.peersMax}`), -20);
});
