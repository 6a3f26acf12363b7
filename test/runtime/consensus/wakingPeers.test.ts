import test from 'ava';
import { validatorSetOf } from '../../../actors/index.ts';
import { WakingPeers } from '../../../runtime/consensus/wakingPeers.ts';

// An idle node starts the height it waits for on its peers' account only once they hold more
// than a third of the power, or the height's round-0 proposer proposed: one byzantine validator
// voting for every next height cannot make an idle chain decide empty blocks.

const addresses = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40), '0x' + '4'.repeat(40)];
const equal = validatorSetOf(addresses.map((address) => ({ address, power: '1' })));
const others = (set: typeof equal) => set.validators.map((v) => v.address).filter((a) => a !== set.proposer);

test('one validator of four, voting again and again, does not start the height; a second one does', (t) => {
  const waking = new WakingPeers();
  const [a, b] = others(equal) as [string, string];
  t.false(waking.heard(equal, 7, a, false));
  t.false(waking.heard(equal, 7, a, false), 'the same signer counts once');
  t.false(waking.heard(equal, 7, a, true), 'a proposal of round 0 by another than the height’s proposer is one more message of it');
  t.true(waking.heard(equal, 7, b, false), 'two of four: more than a third');
});

test('the round-0 proposal of the height’s proposer starts it at once; its votes count as power only', (t) => {
  t.true(new WakingPeers().heard(equal, 3, equal.proposer, true));
  t.false(new WakingPeers().heard(equal, 3, equal.proposer, false));
});

test('power, not heads: a validator with more than a third of the power starts it alone; the tally is per height waited for', (t) => {
  const weighted = validatorSetOf(addresses.map((address, i) => ({ address, power: i === 0 ? '5' : '3' })));
  const heavy = addresses[0]!;
  const light = addresses.slice(1).filter((a) => a !== weighted.proposer);
  const waking = new WakingPeers();
  t.false(waking.heard(weighted, 2, light[0]!, false), '3 of 14');
  t.true(waking.heard(weighted, 2, heavy, false), '8 of 14');
  t.false(waking.heard(weighted, 3, light[0]!, false), 'a new height: counted again from nothing');
  t.false(waking.heard(weighted, 3, 'not a validator', false), 'a stranger has no power');
});
