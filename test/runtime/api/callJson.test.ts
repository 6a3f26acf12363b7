import test from 'ava';
import { CallJson } from '../../../runtime/api/index.ts';
import { maxPeerJsonDepth } from '../../../runtime/net/index.ts';
import { maxTxJsonDepth } from '../../../schemas/index.ts';

// A function call's input and a worker's output nest at most as deep as a tx, whichever way the
// call goes: over HTTP, or to a peer's node (the `call` protocol), whose JSON a node reads only so deep.

const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

test('a call input or output nested past maxTxJsonDepth is refused at the API, so none the peers would refuse gets through one path only', (t) => {
  t.true(CallJson.safeParse(nested(maxTxJsonDepth)).success);
  const deep = CallJson.safeParse(nested(maxTxJsonDepth + 1));
  t.false(deep.success);
  t.regex(deep.error!.issues[0]!.message, new RegExp(`nests arrays and objects deeper than ${maxTxJsonDepth} levels`));
  // What the API takes fits a peer's read of a call request or answer, envelope and all.
  t.true(maxTxJsonDepth + 4 <= maxPeerJsonDepth);
});
