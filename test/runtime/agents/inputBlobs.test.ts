import test from 'ava';
import { blobRefsIn, inputBlobsMax } from '../../../runtime/agents/index.ts';

// What a worker's agent fetches for its program (AgentEnvironment.inputBlobs): each blob:// string
// of the request's input once, wherever it sits, and nothing that only looks like one.

const ref = (c: string) => `blob://sha256:${c.repeat(64)}`;

test('blobRefsIn: every blob reference of an input once, in order, at any depth', (t) => {
  t.deepEqual(blobRefsIn({ shard: ref('a'), weights: [1, 2], nested: { list: [ref('b'), { again: ref('a') }] } }), [ref('a'), ref('b')]);
  t.deepEqual(blobRefsIn(ref('c')), [ref('c')]);
});

test('blobRefsIn: strings that are not a whole reference, and inputs without any, give none', (t) => {
  t.deepEqual(blobRefsIn({ a: `see ${ref('a')}`, b: 'blob://sha256:ABC', c: `${ref('a')}0`, d: null, e: 3 }), []);
  t.deepEqual(blobRefsIn(undefined), []);
  t.true(inputBlobsMax >= 1);
});
