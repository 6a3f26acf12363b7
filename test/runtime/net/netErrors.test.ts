import test from 'ava';
import { fromPeerError, maxPeerJsonDepth, peerErrorOf, peerJson } from '../../../runtime/net/netErrors.ts';
import { AinError, isAinError } from '../../../schemas/index.ts';

test("a peer's error keeps its code when it is a refusal of the catalogue", (t) => {
  const error = fromPeerError('p', '/x', { code: 'NOT_FOUND', message: 'no block there' });
  t.is(error.code, 'NOT_FOUND');
  t.is(error.details.remote, true);
  t.regex(error.message, /^Peer p answered \/x with NOT_FOUND: no block there/);
});

test("a peer's error of another shape, or with a code the catalogue lacks, is NET_BAD_FRAME", (t) => {
  for (const json of [
    undefined,
    'oops',
    { code: 'MADE_UP', message: 'x' },
    { code: 'NOT_FOUND' },
    { code: 'NOT_FOUND', message: 'x', extra: 1 },
    { code: 'toString', message: 'x' },
  ]) {
    t.is(fromPeerError('p', '/x', json).code, 'NET_BAD_FRAME', JSON.stringify(json));
  }
});

test("a failure of the peer's own machine (a status 500 code) is not ours to act on: NET_HANDLER_FAILED", (t) => {
  const error = fromPeerError('p', '/x', { code: 'LOG_DIVERGED', message: 'disk' });
  t.is(error.code, 'NET_HANDLER_FAILED');
  t.is(error.details.remoteCode, 'LOG_DIVERGED');
  t.deepEqual(peerErrorOf(new AinError('LOG_IO', 'disk full at /data')), { code: 'NET_HANDLER_FAILED', message: 'its handler failed while answering' });
  t.deepEqual(peerErrorOf(new AinError('NOT_FOUND', 'no block')), { code: 'NOT_FOUND', message: 'no block' });
  t.is(peerErrorOf(new Error('secret path')).code, 'NET_HANDLER_FAILED');
});

test("a peer's JSON nested deeper than anything ain sends is BAD_JSON before it is parsed; up to the bound it parses", (t) => {
  const nested = (levels: number) => new TextEncoder().encode('['.repeat(levels) + ']'.repeat(levels));
  t.deepEqual(peerJson(new TextEncoder().encode('{"a":[1]}'), 'status answer'), { a: [1] });
  t.notThrows(() => peerJson(nested(maxPeerJsonDepth), 'records answer'));
  for (const levels of [maxPeerJsonDepth + 1, 4_000_000]) {
    const error = t.throws(() => peerJson(nested(levels), 'records answer'));
    t.true(isAinError(error, 'BAD_JSON'));
    t.regex(error!.message, new RegExp(`The records answer nests arrays and objects deeper than ${maxPeerJsonDepth} levels`));
  }
  // Brackets inside strings are text, not nesting.
  t.deepEqual(peerJson(new TextEncoder().encode(JSON.stringify({ s: '['.repeat(1000) })), 'call request'), { s: '['.repeat(1000) });
});
