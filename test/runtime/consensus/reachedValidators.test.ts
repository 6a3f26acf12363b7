import test from 'ava';
import { reachedValidators } from '../../../runtime/consensus/reachedValidators.ts';

// Which validators a stalled height counts on: those whose node answers this one, by that alone;
// the others by a proposal or vote of theirs within the window.

const window = 10_000;
const now = 100_000;

test('a validator whose node stopped answering is not reached, though its vote of the height still comes (re-sent by others)', (t) => {
  const heardAt = new Map([
    ['0xb', now - 1_000], // its vote, re-sent by a peer a second ago
    ['0xc', now - 2_000],
    ['0xd', now - 20_000],
  ]);
  const answers = new Map([
    ['0xb', false], // its node answered before, not in the last 10 s: down
    ['0xc', true],
  ]);
  const reached = reachedValidators(['0xa', '0xb', '0xc', '0xd', '0xe'], '0xa', heardAt, (v) => answers.get(v), now, window);
  t.deepEqual([...reached].sort(), ['0xa', '0xc']);
});

test('one never reached directly counts by its messages within the window; one that answers counts though silent on gossip', (t) => {
  const heardAt = new Map([['0xd', now - 9_999]]);
  const reached = reachedValidators(['0xa', '0xc', '0xd', '0xe'], '0xa', heardAt, (v) => (v === '0xc' ? true : undefined), now, window);
  t.deepEqual([...reached].sort(), ['0xa', '0xc', '0xd']);
  t.deepEqual([...reachedValidators(['0xd'], '0xa', new Map([['0xd', now - window]]), () => undefined, now, window)], ['0xa'], 'the window is half-open');
});
