import test from 'ava';
import { alice as client, bob as worker, blob, ctx, genesisKey, tree } from './helpers.ts';

/** The serverless draft's "Simple request and response", written as ops. */
function requestResponse() {
  const state = tree();
  const app = '/apps/job';
  const rights = { write_rule: true, write_owner: true, write_function: true, branch_owner: true };
  const setup = [{ type: 'set_owner', path: app, value: { owners: { [client]: rights } } }] as const;
  for (const op of setup) if (state.apply(op, ctx(genesisKey)).code !== 'ok') throw new Error('setup');
  const init = state.apply(
    {
      type: 'set',
      ops: [
        { type: 'set_rule', path: `${app}/request/$key`, value: { write: `auth.addr === '${client}'` } },
        { type: 'set_rule', path: `${app}/result/$key`, value: { write: `auth.addr === '${worker}' && getValue('${app}/request/' + $key) !== null` } },
        {
          type: 'set_rule',
          path: `${app}/deposit/${client}`,
          value: {
            write: `(auth.addr === '${client}' && newData > data) || (auth.addr === '${worker}' && newData >= 0 && newData < data && getValue('${app}/result/key_1') !== null)`,
          },
        },
        { type: 'set_function', path: `${app}/request/$key`, value: { add: { runtime: 'nodejs', code: blob('f'), owner: client } } },
        { type: 'inc_value', path: `${app}/deposit/${client}`, value: 10 },
      ],
    },
    ctx(client),
  );
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
  t.like(fired[0], {
    path: `${app}/request/key_1`,
    functionPath: `${app}/request/$key`,
    functionId: 'add',
    params: { $key: 'key_1' },
    before: null,
    after: { a: 10, b: 10 },
    auth: client,
    height: 2,
    time: 2000,
  });
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
  t.deepEqual(
    fired.map((f) => [f.functionId, f.before, f.after, f.params]),
    [
      ['all', null, 1, {}],
      ['counter', null, 1, { $k: 'x' }],
      ['all', 1, 3, {}],
      ['counter', 1, 3, { $k: 'x' }],
    ],
  );
  const refused = state.apply(
    {
      type: 'set',
      ops: [
        { type: 'set_value', path: '/apps/open/y', value: 1 },
        { type: 'set_value', path: '/nope', value: 1 },
      ],
    },
    ctx(genesisKey),
  );
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

test("a write of an object above a function fires it where the value changed, with that path's old and new value", (t) => {
  const state = tree();
  const f = { runtime: 'nodejs', code: blob('6') };
  t.is(state.apply({ type: 'set_function', path: '/apps/open/$k/n', value: { counter: f } }, ctx(genesisKey)).code, 'ok');
  t.is(state.apply({ type: 'set_function', path: '/apps/open/fixed/n', value: { exact: f } }, ctx(genesisKey)).code, 'ok');
  state.apply({ type: 'set_value', path: '/apps/open', value: { x: { n: 1, m: 1 }, y: { n: 2 }, fixed: { n: 3 } } }, ctx(genesisKey, 2));
  const first = state.drainTriggers().map((f) => [f.path, f.functionPath, f.functionId, f.params, f.before, f.after]);
  t.deepEqual(
    first,
    [
      ['/apps/open/fixed/n', '/apps/open/fixed/n', 'exact', {}, null, 3],
      ['/apps/open/x/n', '/apps/open/$k/n', 'counter', { $k: 'x' }, null, 1],
      ['/apps/open/y/n', '/apps/open/$k/n', 'counter', { $k: 'y' }, null, 2],
    ],
    'an exact label beats the variable',
  );
  state.apply({ type: 'set_value', path: '/apps/open', value: { x: { n: 1, m: 2 }, y: { n: 5 }, z: 'leaf' } }, ctx(genesisKey, 3));
  t.deepEqual(
    state.drainTriggers().map((f) => [f.path, f.before, f.after]),
    [
      ['/apps/open/fixed/n', 3, null],
      ['/apps/open/y/n', 2, 5],
    ],
    'unchanged values fire nothing; deleted ones fire with null after',
  );
  state.apply({ type: 'set_value', path: '/apps/open/y', value: null }, ctx(genesisKey, 4));
  t.deepEqual(
    state.drainTriggers().map((f) => [f.path, f.before, f.after]),
    [['/apps/open/y/n', 5, null]],
  );
});

test('a write that would fire too many functions, or scan too much to find them, is TOO_LARGE and changes nothing', (t) => {
  const state = tree();
  const f = { runtime: 'nodejs', code: blob('7') };
  state.apply({ type: 'set_function', path: '/apps/open/$k', value: { a: f } }, ctx(genesisKey));
  const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
  const root = state.root();
  const outcome = state.apply({ type: 'set_value', path: '/apps/open', value: wide }, ctx(genesisKey));
  t.is(outcome.code, 'TOO_LARGE');
  t.regex('message' in outcome ? outcome.message : '', /more than 256 functions/);
  t.is(state.root(), root);
  t.deepEqual(state.drainTriggers(), []);
  t.is(state.apply({ type: 'set_value', path: '/apps/open', value: Object.fromEntries(Object.entries(wide).slice(0, 200)) }, ctx(genesisKey)).code, 'ok');
  t.is(state.drainTriggers().length, 200);
});

test('read concerns go with the values they describe: overwritten or deleted subtrees take theirs along', (t) => {
  const state = tree();
  const rc = (path: string, value: unknown, n?: number) =>
    state.apply({ type: 'set_value', path, value: value as never, ...(n === undefined ? {} : { read_concern: n }) }, ctx(client, 5));
  rc('/apps/open/a/b/c', 1, 2);
  rc('/apps/open/a/d', 1, 3);
  t.deepEqual(state.getReadConcern('/apps/open/a/b/c'), { n: 2, height: 5 });
  rc('/apps/open/a', { b: { c: 2 } });
  t.is(state.getReadConcern('/apps/open/a/b/c'), null, 'overwritten from above');
  t.is(state.getReadConcern('/apps/open/a/d'), null);
  rc('/apps/open/a/b/c', 3, 4);
  rc('/apps/open/a/b/c', null, 4);
  t.is(state.getReadConcern('/apps/open/a/b/c'), null, 'a delete leaves no entry');
  rc('/apps/open/q/r', 1, 2);
  rc('/apps/open/q/r', null);
  t.deepEqual(state.snapshot().readConcerns, {}, 'nothing left behind, not even for pruned parents');
  for (let i = 0; i < 50; i++) {
    rc(`/apps/open/tmp${i}`, 1, 1);
    rc(`/apps/open/tmp${i}`, null, 1);
  }
  t.deepEqual(state.snapshot().readConcerns, {}, 'write-then-delete churn does not grow them');
});
