import test from 'ava';
import { alice as client, bob as worker, blob, ctx, genesisKey, tree } from './helpers.ts';

/** The serverless draft's "Simple request and response", written as ops. */
function requestResponse() {
  const state = tree();
  const app = '/apps/job';
  const rights = { write_rule: true, write_owner: true, write_function: true, branch_owner: true };
  const setup = [
    { type: 'set_owner', path: app, value: { owners: { [client]: rights } } },
  ] as const;
  for (const op of setup) if (state.apply(op, ctx(genesisKey)).code !== 'ok') throw new Error('setup');
  const init = state.apply({
    type: 'set',
    ops: [
      { type: 'set_rule', path: `${app}/request/$key`, value: { write: `auth.addr === '${client}'` } },
      { type: 'set_rule', path: `${app}/result/$key`, value: { write: `auth.addr === '${worker}' && getValue('${app}/request/' + $key) !== null` } },
      {
        type: 'set_rule',
        path: `${app}/deposit/${client}`,
        value: { write: `(auth.addr === '${client}' && newData > data) || (auth.addr === '${worker}' && newData >= 0 && newData < data && getValue('${app}/result/key_1') !== null)` },
      },
      { type: 'set_function', path: `${app}/request/$key`, value: { add: { runtime: 'nodejs', code: blob('f'), owner: client } } },
      { type: 'inc_value', path: `${app}/deposit/${client}`, value: 10 },
    ],
  }, ctx(client));
  return { state, app, init };
}

test('request and response: the right signer is allowed, the wrong one refused, the trigger fires', (t) => {
  const { state, app, init } = requestResponse();
  t.is(init.code, 'ok', JSON.stringify(init));
  t.is(state.apply({ type: 'set_value', path: `${app}/request/key_1`, value: { a: 10, b: 10 } }, ctx(worker)).code, 'RULE_DENIED');
  t.is(state.apply({ type: 'set_value', path: `${app}/result/key_1`, value: 20 }, ctx(worker)).code, 'RULE_DENIED', 'no request yet');
  t.is(state.apply({ type: 'dec_value', path: `${app}/deposit/${client}`, value: 10 }, ctx(worker)).code, 'RULE_DENIED', 'no result yet');

  t.is(state.apply({ type: 'set_value', path: `${app}/request/key_1`, value: { a: 10, b: 10 } }, ctx(client, 2, 2000)).code, 'ok');
  const fired = state.drainTriggers();
  t.is(fired.length, 1);
  t.like(fired[0], { path: `${app}/request/key_1`, functionPath: `${app}/request/$key`, functionId: 'add', params: { $key: 'key_1' }, before: null, after: { a: 10, b: 10 }, auth: client, height: 2, time: 2000 });
  t.deepEqual(state.drainTriggers(), [], 'drained');

  t.is(state.apply({ type: 'set_value', path: `${app}/result/key_1`, value: 20 }, ctx(client)).code, 'RULE_DENIED');
  t.is(state.apply({ type: 'set_value', path: `${app}/result/key_1`, value: 20 }, ctx(worker, 3)).code, 'ok');
  t.is(state.apply({ type: 'dec_value', path: `${app}/deposit/${client}`, value: 10 }, ctx(client)).code, 'RULE_DENIED');
  t.is(state.apply({ type: 'dec_value', path: `${app}/deposit/${client}`, value: 11 }, ctx(worker)).code, 'RULE_DENIED', 'not below zero');
  t.is(state.apply({ type: 'dec_value', path: `${app}/deposit/${client}`, value: 10 }, ctx(worker, 4)).code, 'ok');
  t.is(state.get(`${app}/deposit/${client}`), 0);
  t.deepEqual(state.drainTriggers(), [], 'no function on result or deposit paths');
});

test('functions fire for writes at or below their path, with old and new values; a refused set fires nothing', (t) => {
  const state = tree();
  const f = { runtime: 'python3.11', code: blob('2') };
  state.apply({ type: 'set_function', path: '/apps/open', value: { all: f } }, ctx(genesisKey));
  state.apply({ type: 'set_function', path: '/apps/open/$k/n', value: { counter: f } }, ctx(genesisKey));
  state.apply({ type: 'set_value', path: '/apps/open/x/n', value: 1 }, ctx(genesisKey));
  state.apply({ type: 'inc_value', path: '/apps/open/x/n', value: 2 }, ctx(genesisKey));
  const fired = state.drainTriggers();
  t.deepEqual(fired.map((f) => [f.functionId, f.before, f.after, f.params]), [
    ['all', null, 1, {}],
    ['counter', null, 1, { $k: 'x' }],
    ['all', 1, 3, {}],
    ['counter', 1, 3, { $k: 'x' }],
  ]);
  const refused = state.apply({ type: 'set', ops: [{ type: 'set_value', path: '/apps/open/y', value: 1 }, { type: 'set_value', path: '/nope', value: 1 }] }, ctx(genesisKey));
  t.is(refused.code, 'RULE_DENIED');
  t.deepEqual(state.drainTriggers(), []);
});

test('read_concern is recorded per path: the last write wins and a reader can ask', (t) => {
  const state = tree();
  t.is(state.apply({ type: 'set_value', path: '/apps/open/a', value: 1, read_concern: 2 }, ctx(alice(), 10)).code, 'ok');
  t.deepEqual(state.getReadConcern('/apps/open/a'), { n: 2, height: 10 });
  t.false(state.isRecommendedToRead('/apps/open/a', 11));
  t.false(state.isRecommendedToRead('/apps/open/a/below', 11));
  t.true(state.isRecommendedToRead('/apps/open/a', 12));
  state.apply({ type: 'set', ops: [{ type: 'set_value', path: '/apps/open/a', value: 2 }], read_concern: 5 }, ctx(alice(), 11));
  t.deepEqual(state.getReadConcern('/apps/open/a'), { n: 5, height: 11 });
  state.apply({ type: 'set_value', path: '/apps/open/a', value: 3 }, ctx(alice(), 12));
  t.is(state.getReadConcern('/apps/open/a'), null);
  t.true(state.isRecommendedToRead('/apps/open/a', 12));
});

function alice() {
  return client;
}
