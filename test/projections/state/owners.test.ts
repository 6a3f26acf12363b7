import test from 'ava';
import { alice, bob, ctx, genesisKey, tree } from './helpers.ts';

const rights = (r: boolean, o: boolean, f: boolean, b: boolean) => ({ write_rule: r, write_owner: o, write_function: f, branch_owner: b });

test('the genesis key owns / with every right; others hold none', (t) => {
  const state = tree();
  t.deepEqual(state.getOwner('/'), { owners: { [genesisKey]: rights(true, true, true, true) } });
  t.is(state.apply({ type: 'set_rule', path: '/apps/x', value: { write: true } }, ctx(genesisKey)).code, 'ok');
  const denied = state.apply({ type: 'set_rule', path: '/apps/x', value: { write: false } }, ctx(alice));
  t.is(denied.code, 'OWNER_DENIED');
  t.regex('message' in denied ? denied.message : '', /write_rule/);
});

test('a new owner config below the closest one needs branch_owner; changing it needs write_owner', (t) => {
  const state = tree();
  t.is(state.apply({ type: 'set_owner', path: '/apps/chat', value: { owners: { [alice]: rights(true, true, true, false) } } }, ctx(bob)).code, 'OWNER_DENIED');
  t.is(state.apply({ type: 'set_owner', path: '/apps/chat', value: { owners: { [alice]: rights(true, true, true, false) } } }, ctx(genesisKey)).code, 'ok');
  t.is(state.apply({ type: 'set_rule', path: '/apps/chat/$u', value: { write: 'auth.addr === $u' } }, ctx(alice)).code, 'ok', 'the closest config decides');
  t.is(
    state.apply({ type: 'set_owner', path: '/apps/chat/sub', value: { owners: { [bob]: rights(true, true, true, true) } } }, ctx(alice)).code,
    'OWNER_DENIED',
    'no branch_owner',
  );
  t.is(
    state.apply({ type: 'set_owner', path: '/apps/chat', value: { owners: { [alice]: rights(true, true, true, true) } } }, ctx(alice)).code,
    'ok',
    'write_owner',
  );
  t.is(state.apply({ type: 'set_owner', path: '/apps/chat/sub', value: { owners: { [bob]: rights(true, false, false, false) } } }, ctx(alice)).code, 'ok');
  t.is(state.apply({ type: 'set_rule', path: '/apps/chat/sub', value: { write: true } }, ctx(bob)).code, 'ok');
  t.is(state.apply({ type: 'set_function', path: '/apps/chat/sub', value: null }, ctx(bob)).code, 'OWNER_DENIED');
  t.is(
    state.apply({ type: 'set_rule', path: '/apps/chat/sub', value: { write: false } }, ctx(genesisKey)).code,
    'OWNER_DENIED',
    'the root owner has no say below a closer config',
  );
});

test('an explicit entry wins over "*" even when it grants nothing', (t) => {
  const state = tree();
  state.apply(
    { type: 'set_owner', path: '/apps/pub', value: { owners: { '*': rights(true, false, false, false), [bob]: rights(false, false, false, false) } } },
    ctx(genesisKey),
  );
  t.is(state.apply({ type: 'set_rule', path: '/apps/pub/x', value: { write: true } }, ctx(alice)).code, 'ok');
  t.is(state.apply({ type: 'set_rule', path: '/apps/pub/x', value: { write: true } }, ctx(bob)).code, 'OWNER_DENIED');
});

test('owner configs are checked for shape and size', (t) => {
  const state = tree();
  const bad = [
    { owners: { nobody: rights(true, true, true, true) } },
    { owners: { [alice]: { write_rule: true } } },
    { owners: { [alice]: { ...rights(true, true, true, true), extra: true } } },
    { owners: [] },
  ];
  for (const value of bad) t.is(state.apply({ type: 'set_owner', path: '/apps/x', value: value as never }, ctx(genesisKey)).code, 'INVALID_VALUE');
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`0x${i.toString(16).padStart(40, '0')}`, rights(false, false, false, false)]));
  t.is(state.apply({ type: 'set_owner', path: '/apps/x', value: { owners: many } }, ctx(genesisKey)).code, 'TOO_LARGE');
});

test('removing an owner config needs write_owner on it; the next one up decides again', (t) => {
  const state = tree();
  state.apply({ type: 'set_owner', path: '/apps/a', value: { owners: { [alice]: rights(true, true, false, false) } } }, ctx(genesisKey));
  t.is(state.apply({ type: 'set_owner', path: '/apps/a', value: null }, ctx(bob)).code, 'OWNER_DENIED');
  t.is(state.apply({ type: 'set_owner', path: '/apps/a', value: null }, ctx(alice)).code, 'ok');
  t.is(state.getOwner('/apps/a'), null);
  t.is(state.apply({ type: 'set_rule', path: '/apps/a', value: { write: true } }, ctx(alice)).code, 'OWNER_DENIED');
});
