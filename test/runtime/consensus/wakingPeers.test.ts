import test from 'ava';
import { validatorSetOf } from '../../../actors/index.ts';
import { WakingPeers } from '../../../runtime/consensus/wakingPeers.ts';

// An idle node starts the height it waits for on its peers' account only once they hold a third
// of the power or more, or the height's round-0 proposer proposed: one byzantine validator
// voting for every next height cannot make an idle chain decide empty blocks. Messages of the two
// heights after the ledger's are noted, also before the node waits; others are catch-up's.

const addresses = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40), '0x' + '4'.repeat(40)];
const equal = validatorSetOf(addresses.map((address) => ({ address, power: '1' })));
const others = (set: typeof equal) => set.validators.map((v) => v.address).filter((a) => a !== set.proposer);
const setOf = (set: typeof equal) => () => set;

test('one validator of four, voting again and again, does not start the height; a second one does', (t) => {
  const waking = new WakingPeers();
  const [a, b] = others(equal) as [string, string];
  waking.heard(6, 7, a, false);
  t.false(waking.wakes(7, setOf(equal)));
  waking.heard(6, 7, a, false);
  waking.heard(6, 7, a, true);
  t.false(waking.wakes(7, setOf(equal)), 'the same signer counts once, a round-0 proposal by another than the height’s proposer too');
  waking.heard(6, 8, b, false);
  t.true(waking.wakes(7, setOf(equal)), 'two of four, one of them at the next height (it decided this one): half');
});

test('the round-0 proposal of the height’s proposer starts it at once; its votes, or its proposal for the next height, count as power only', (t) => {
  const proposed = new WakingPeers();
  proposed.heard(2, 3, equal.proposer, true);
  t.true(proposed.wakes(3, setOf(equal)));
  const voted = new WakingPeers();
  voted.heard(2, 3, equal.proposer, false);
  voted.heard(2, 4, equal.proposer, true);
  t.false(voted.wakes(3, setOf(equal)));
});

test('messages noted while the node still appended the block before count once it waits', (t) => {
  const waking = new WakingPeers();
  const [a, b] = others(equal) as [string, string];
  // The ledger at 4 while block 5 is appended; the peers are at 6 already.
  waking.heard(4, 6, a, false);
  waking.heard(4, 6, b, false);
  // Block 5 applied: the node waits for 6.
  waking.heard(5, 6, a, false);
  t.true(waking.wakes(6, setOf(equal)));
});

test('a message of a height the ledger has, or more than two past it, is not noted, and the set is read only once a peer is at the height waited for or the next, and again only after something new', (t) => {
  const waking = new WakingPeers();
  const [a, b, c] = others(equal) as [string, string, string];
  let reads = 0;
  const counted = () => {
    reads++;
    return equal;
  };
  waking.heard(4, 4, a, false);
  waking.heard(4, 7, b, false);
  waking.heard(4, 1_000, c, false);
  t.false(waking.wakes(5, counted));
  t.is(reads, 0);
  waking.heard(4, 5, a, false);
  t.false(waking.wakes(5, counted), 'none of those three counted');
  t.is(reads, 1);
  waking.heard(4, 5, a, false);
  t.false(waking.wakes(5, counted));
  t.is(reads, 1, 'nothing new noted: the answer stands, the set is not read again');
  waking.heard(4, 5, b, false);
  t.false(
    waking.wakes(5, () => null),
    'no set of the height at hand: nothing starts',
  );
});

test('with three equal validators any one starts it (a third: the faulty hold less, so it is honest)', (t) => {
  const three = validatorSetOf(addresses.slice(0, 3).map((address) => ({ address, power: '1' })));
  const waking = new WakingPeers();
  waking.heard(1, 2, others(three)[0]!, false);
  t.true(waking.wakes(2, setOf(three)));
});

test('power, not heads: a validator with more than a third of the power starts it alone; what the ledger passed is forgotten', (t) => {
  const weighted = validatorSetOf(addresses.map((address, i) => ({ address, power: i === 0 ? '5' : '3' })));
  const heavy = addresses[0]!;
  const light = addresses.slice(1).filter((a) => a !== weighted.proposer);
  const waking = new WakingPeers();
  waking.heard(1, 2, light[0]!, false);
  t.false(waking.wakes(2, setOf(weighted)), '3 of 14');
  waking.heard(1, 2, heavy, false);
  t.true(waking.wakes(2, setOf(weighted)), '8 of 14');
  waking.heard(2, 3, 'not a validator', false);
  t.false(waking.wakes(3, setOf(weighted)), 'a new height: counted from nothing; a stranger has no power');
});
