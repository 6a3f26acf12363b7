import test from 'ava';
import { alice, ctx, tree } from './helpers.ts';

const hostilePaths = [
  'apps',
  '',
  '//',
  '/apps//x',
  '/apps/',
  '/apps/../etc',
  '/apps/.',
  '/apps/a.b',
  '/apps/$x',
  '/apps/a*',
  '/apps/#',
  '/apps/{x}',
  '/apps/[0]',
  '/apps/<b>',
  "/apps/'",
  '/apps/"',
  '/apps/`',
  '/apps/a b',
  '/apps/\u0000',
  '/apps/\n',
  '/apps/__proto__',
  '/apps/constructor',
  '/apps/prototype',
  '/__proto__/polluted',
  `/apps/${'x'.repeat(151)}`,
  '/' + 'x/'.repeat(600) + 'x',
];

test('malformed and hostile paths are INVALID_PATH (or TOO_DEEP) and change nothing', (t) => {
  const state = tree();
  const before = state.root();
  for (const path of hostilePaths) {
    const outcome = state.apply({ type: 'set_value', path, value: 1 }, ctx(alice));
    t.true(outcome.code === 'INVALID_PATH' || outcome.code === 'TOO_DEEP', `${JSON.stringify(path)} gave ${outcome.code}`);
    t.regex('message' in outcome ? outcome.message : '', /path/i);
  }
  t.is(state.root(), before);
  t.is(({} as Record<string, unknown>)['polluted'], undefined);
});

test('a path deeper than the limit is TOO_DEEP; labels of 150 characters are fine', (t) => {
  const state = tree();
  t.is(state.apply({ type: 'set_value', path: '/apps/open' + '/x'.repeat(40), value: 1 }, ctx(alice)).code, 'TOO_DEEP');
  t.is(state.apply({ type: 'set_value', path: `/apps/open/${'x'.repeat(150)}`, value: 1 }, ctx(alice)).code, 'ok');
});

test('reads of malformed paths throw INVALID_PATH instead of reading', (t) => {
  const state = tree();
  t.throws(() => state.get('/a/../b'), { message: /path/ });
  t.is(state.get('/nothing/here'), null);
});
