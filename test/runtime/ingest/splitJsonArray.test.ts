import test from 'ava';
import fc from 'fast-check';
import { splitJsonArray } from '../../../runtime/ingest/index.ts';
import { isAinError } from '../../../schemas/index.ts';

test('property: the elements of any JSON array, split then parsed, are what JSON.parse gives', (t) => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), fc.constantFrom('', ' ', '\n\t '), (values, space) => {
      const text = space + JSON.stringify(values, null, space.length > 1 ? 2 : undefined) + space;
      const parts = splitJsonArray(text, 100);
      return parts !== null && JSON.stringify(parts.map((p) => JSON.parse(p))) === JSON.stringify(JSON.parse(text));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: any text either splits or is refused with a code; never anything else', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string().map((s) => `[${s}]`),
        fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
      ),
      (text) => {
        try {
          splitJsonArray(text, 100);
          return true;
        } catch (error) {
          return isAinError(error, 'BAD_JSON') || isAinError(error, 'BATCH_TOO_LARGE');
        }
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});

test('outlines that are not arrays, not closed, or followed by text are told apart', (t) => {
  t.is(splitJsonArray('{"txs":[]}', 10), null);
  t.deepEqual(splitJsonArray(' [ ] ', 10), []);
  t.deepEqual(splitJsonArray('[{"a":"],\\"}"}, [1,[2]] ,"x"]', 10), ['{"a":"],\\"}"}', '[1,[2]]', '"x"']);
  for (const bad of ['[1,2', '[1,,2]', '[1,]', '["abc]', '[1] x', '[}]', '[[}, 1]', '[{]}, 1]']) {
    t.true(
      isAinError(
        t.throws(() => splitJsonArray(bad, 10)),
        'BAD_JSON',
      ),
      bad,
    );
  }
  t.true(
    isAinError(
      t.throws(() => splitJsonArray('[1,2,3]', 2)),
      'BATCH_TOO_LARGE',
    ),
  );
});

test('only JSON whitespace around an element is dropped: what JSON.parse refuses stays, to be refused', (t) => {
  for (const space of ['\u000b', '\u00a0', '\ufeff', '\u2028']) {
    const [element] = splitJsonArray(`[${space}{"a":1}]`, 10)!;
    t.is(element, `${space}{"a":1}`);
    t.throws(() => JSON.parse(element!));
  }
  t.deepEqual(splitJsonArray('[ \t\r\n{"a":1}\n ]', 10), ['{"a":1}']);
});
