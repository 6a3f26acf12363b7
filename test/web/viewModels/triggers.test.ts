import test from 'ava';
import type { FiredTrigger } from '../../../schemas/index.ts';
import { applyTriggers, initialTriggers, triggerRows, triggerRowsMax } from '../../../web/viewModels/index.ts';

// The triggers view: the functions each block fired, from REST blocks and the triggers stream.

const addr = (n: number) => '0x' + n.toString(16).padStart(40, '0');
const fired = (height: number, functionId: string, after: FiredTrigger['after'] = height): FiredTrigger => ({
  path: `/apps/chat/${height}/message`,
  functionPath: '/apps/chat/$room/message',
  params: { room: String(height) },
  functionId,
  function: { runtime: 'nodejs', code: `blob://sha256:${'1'.repeat(64)}` },
  before: null,
  after,
  auth: addr(5),
  height,
  time: height * 1000,
});

test('triggers: blocks read over REST and streamed, latest block first, in each block its order; one block’s or one function’s', (t) => {
  let state = applyTriggers(initialTriggers, {
    type: 'blocks',
    blocks: [
      { header: { height: 3 }, triggers: [fired(3, 'notify')] },
      { header: { height: 4 }, triggers: [] },
      { header: { height: 5 }, triggers: [fired(5, 'notify'), fired(5, 'index')] },
    ],
  });
  state = applyTriggers(state, { type: 'triggers', data: { height: 7, triggers: [fired(7, 'index')] } });
  // The stream replays block 5 after a reconnect: it replaces what the view held of it.
  state = applyTriggers(state, { type: 'triggers', data: { height: 5, triggers: [fired(5, 'notify', 'again'), fired(5, 'index')] } });
  t.is(state.height, 7);
  t.deepEqual(
    triggerRows(state).map((r) => [r.height, r.index, r.functionId]),
    [
      [7, 0, 'index'],
      [5, 0, 'notify'],
      [5, 1, 'index'],
      [3, 0, 'notify'],
    ],
  );
  t.is(triggerRows(state, { height: 5 })[0]!.after, 'again');
  t.deepEqual(
    triggerRows(state, { functionId: 'notify' }).map((r) => r.height),
    [5, 3],
  );
  t.deepEqual(triggerRows(state, { height: 4 }), []);
});

test('triggers: the view holds the latest ones, at most its bound', (t) => {
  let state = initialTriggers;
  for (let h = 1; h <= triggerRowsMax + 20; h++) state = applyTriggers(state, { type: 'triggers', data: { height: h, triggers: [fired(h, 'f')] } });
  t.is(state.rows.length, triggerRowsMax);
  t.is(state.rows[0]!.height, 21);
});
