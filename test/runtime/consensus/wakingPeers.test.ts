import test from 'ava';
import { validatorSetOf } from '../../../actors/index.ts';
import { WakingPeers } from '../../../runtime/consensus/wakingPeers.ts';

// An idle node starts the height it waits for on its peers' account only once they hold a third
// of the power or more, or the height's round-0 proposer proposed: one byzantine validator
// voting for every next height cannot make an idle chain decide empty blocks. Messages of the
// height waited for and the next count; others are catch-up's.

const addresses = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40), '0x' + '4'.repeat(40)];
const equal = validatorSetOf(addresses.map((address) => ({ address, power: '1' })));
const others = (set: typeof equal) => set.validators.map((v) => v.address).filter((a) => a !== set.proposer);
const setOf = (set: typeof equal) => () => set;

test('one validator of four, voting again and again, does not start the height; a second one does', (t) => {
  const waking = new WakingPeers();
  const [a, b] = others(equal) as [string, string];
  t.false(waking.heard(setOf(equal), 7, 7, a, false));
  t.false(waking.heard(setOf(equal), 7, 7, a, false), 'the same signer counts once');
  t.false(waking.heard(setOf(equal), 7, 7, a, true), 'a proposal of round 0 by another than the height’s proposer is one more message of it');
  t.true(waking.heard(setOf(equal), 7, 8, b, false), 'two of four, one of them at the next height (it decided this one): half');
});

test('the round-0 proposal of the height’s proposer starts it at once; its votes, or its proposal for the next height, count as power only', (t) => {
  t.true(new WakingPeers().heard(setOf(equal), 3, 3, equal.proposer, true));
  t.false(new WakingPeers().heard(setOf(equal), 3, 3, equal.proposer, false));
  t.false(new WakingPeers().heard(setOf(equal), 3, 4, equal.proposer, true));
});

test('a message of a height before the one waited for, or two or more past it, counts for nothing, and the set is not read for it', (t) => {
  const waking = new WakingPeers();
  const [a, b, c] = others(equal) as [string, string, string];
  let reads = 0;
  const counted = () => {
    reads++;
    return equal;
  };
  t.false(waking.heard(counted, 5, 4, a, false));
  t.false(waking.heard(counted, 5, 7, b, false));
  t.false(waking.heard(counted, 5, 1_000, c, false));
  t.is(reads, 0);
  t.false(waking.heard(counted, 5, 5, a, false), 'none of those three counted');
  t.is(reads, 1);
  t.false(
    waking.heard(() => null, 5, 5, b, false),
    'no set of the height at hand: nothing starts',
  );
});

test('with three equal validators any one starts it (a third: the faulty hold less, so it is honest)', (t) => {
  const three = validatorSetOf(addresses.slice(0, 3).map((address) => ({ address, power: '1' })));
  t.true(new WakingPeers().heard(setOf(three), 2, 2, others(three)[0]!, false));
});

test('power, not heads: a validator with more than a third of the power starts it alone; the tally is per height waited for', (t) => {
  const weighted = validatorSetOf(addresses.map((address, i) => ({ address, power: i === 0 ? '5' : '3' })));
  const heavy = addresses[0]!;
  const light = addresses.slice(1).filter((a) => a !== weighted.proposer);
  const waking = new WakingPeers();
  t.false(waking.heard(setOf(weighted), 2, 2, light[0]!, false), '3 of 14');
  t.true(waking.heard(setOf(weighted), 2, 2, heavy, false), '8 of 14');
  t.false(waking.heard(setOf(weighted), 3, 3, light[0]!, false), 'a new height: counted again from nothing');
  t.false(waking.heard(setOf(weighted), 3, 3, 'not a validator', false), 'a stranger has no power');
});
