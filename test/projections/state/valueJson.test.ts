import test from 'ava';
import fc from 'fast-check';
import type { StateValue } from '../../../projections/index.ts';
import { smallestLabelsAfter } from '../../../projections/state/valueJson.ts';
import { tree } from './helpers.ts';

// Reads of the state tree with a bound: the JSON text is JSON.stringify(get(path)) byte for byte,
// or nothing once past the bound; pages of a subtree give every key once, in label order.

const label = fc.constantFrom('a', 'b', 'k1', 'k10', 'k2', 'Z', 'é', '日本', '😀', 'a-b', '%20', 'q?x&y=1');
const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constantFrom('é\n"\\', '😀\u0001', 'x'.repeat(40)));
const value: fc.Arbitrary<StateValue> = fc.letrec<{ v: StateValue }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.dictionary(label, tie('v'), { minKeys: 1, maxKeys: 6 })),
})).v;

/** A tree holding `v` at /apps/open/v. */
function holding(v: StateValue) {
  const state = tree();
  state.writeSystem('/apps/open/v', v);
  return state;
}

test('property: getJson is JSON.stringify(get), or undefined exactly when its UTF-8 bytes pass the bound', (t) => {
  fc.assert(
    fc.property(value, fc.nat({ max: 400 }), (v, bytesMax) => {
      const state = holding(v);
      const full = JSON.stringify(state.get('/apps/open/v'));
      if (state.getJson('/apps/open/v', Number.MAX_SAFE_INTEGER) !== full) return false;
      if (state.getJson('/apps/open/missing', 4) !== 'null') return false;
      const bounded = state.getJson('/apps/open/v', bytesMax);
      return Buffer.byteLength(full) > bytesMax ? bounded === undefined : bounded === full;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('property: paging with a cursor gives every key exactly once, in label order, each page within its bounds', (t) => {
  fc.assert(
    fc.property(
      fc.dictionary(label, value, { minKeys: 1, maxKeys: 12 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 16, max: 600 }),
      (v, keysMax, bytesMax) => {
        const state = holding(v);
        const whole = state.get('/apps/open/v') as Record<string, StateValue>;
        const seen: string[] = [];
        const merged: Record<string, StateValue> = {};
        let after: string | undefined;
        for (let pages = 0; pages <= Object.keys(whole).length; pages++) {
          const page = state.getPage('/apps/open/v', { after, keysMax, bytesMax });
          if ('tooLarge' in page) {
            // Only a key whose value alone passes the bound stops the paging, and it is the next key.
            const next = Object.keys(whole)
              .sort()
              .find((k) => after === undefined || k > after);
            return page.key === next && Buffer.byteLength(`{${JSON.stringify(next)}:${JSON.stringify(whole[next!])}}`) > bytesMax;
          }
          if (Buffer.byteLength(page.json) > bytesMax) return false;
          const keys = Object.keys(JSON.parse(page.json) as object);
          if (keys.length > keysMax || (keys.length === 0 && page.next !== null)) return false;
          seen.push(...keys);
          Object.assign(merged, JSON.parse(page.json));
          if (page.next === null) return JSON.stringify(seen) === JSON.stringify(Object.keys(whole).sort()) && JSON.stringify(merged) === JSON.stringify(whole);
          if (page.next !== keys.at(-1)) return false;
          after = page.next;
        }
        return false;
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});

test('a leaf or a missing path is one page; the cursor is a key, exclusive', (t) => {
  const state = holding({ a: 1, b: { c: 'x' }, d: true });
  t.deepEqual(state.getPage('/apps/open/v/a', { keysMax: 10, bytesMax: 100 }), { json: '1', next: null });
  t.deepEqual(state.getPage('/apps/open/none', { keysMax: 10, bytesMax: 100 }), { json: 'null', next: null });
  t.deepEqual(state.getPage('/apps/open/v', { keysMax: 2, bytesMax: 100 }), { json: '{"a":1,"b":{"c":"x"}}', next: 'b' });
  t.deepEqual(state.getPage('/apps/open/v', { after: 'b', keysMax: 2, bytesMax: 100 }), { json: '{"d":true}', next: null });
  t.deepEqual(state.getPage('/apps/open/v', { after: 'd', keysMax: 2, bytesMax: 100 }), { json: '{}', next: null });
  t.deepEqual(state.getPage('/apps/open/v', { keysMax: 5, bytesMax: 10 }), { json: '{"a":1}', next: 'a' });
  t.deepEqual(state.getPage('/apps/open/v', { after: 'a', keysMax: 5, bytesMax: 10 }), { tooLarge: true, key: 'b' });
});

test('property: smallestLabelsAfter is filter, sort and slice', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ maxLength: 4 })),
      fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
      fc.nat({ max: 12 }),
      (labels, after, count) => {
        const expected = labels
          .filter((l) => after === undefined || l > after)
          .sort()
          .slice(0, count);
        return JSON.stringify(smallestLabelsAfter(labels, after, count)) === JSON.stringify(expected);
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});
