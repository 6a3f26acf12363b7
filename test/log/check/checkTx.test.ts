import test from 'ava';
import { checkTx, checkTxTexts } from '../../../log/check/index.ts';
import { parseTxJson } from '../../../log/codec/index.ts';
import { generateKeyPair, signTx } from '../../../log/crypto/index.ts';
import { withDuplicateKey, withProtoKey } from '../../fixtures/ambiguousTxs.ts';
import { isAinError, txTextBytesMaxFor, type ErrorCode, type Op } from '../../../schemas/index.ts';
import { parseGenesis } from '../../../actors/index.ts';

const key = generateKeyPair();
const other = generateKeyPair();
const send: Op = { type: 'send', to: other.address, amount: '10' };
const good = signTx({ key, op: send, nonce: 1, time: 1000 });

function codeOf(input: unknown, options = {}): ErrorCode | 'ok' {
  try {
    checkTx(input, options);
    return 'ok';
  } catch (e) {
    if (isAinError(e)) return e.code;
    throw e;
  }
}

test('a well-formed, signed tx passes every check', (t) => {
  t.is(codeOf(good, { chain: 'ain-local', shard: '/' }), 'ok');
});

test('each kind of bad input gets its stable code', (t) => {
  const cases: [string, unknown, ErrorCode, object?][] = [
    ['not an object', 'hello', 'BAD_SCHEMA'],
    ['missing op', { ...good, op: undefined }, 'BAD_SCHEMA'],
    ['unknown op type', { ...good, op: { type: 'mint', amount: '1' } }, 'BAD_SCHEMA'],
    ['wrong type of nonce', { ...good, nonce: '1' }, 'BAD_SCHEMA'],
    ['negative nonce', { ...good, nonce: -1 }, 'BAD_SCHEMA'],
    ['float amount', { ...good, op: { ...send, amount: '1.5' } }, 'BAD_SCHEMA'],
    ['unknown field', { ...good, extra: true }, 'BAD_SCHEMA'],
    ['bad hex in sig', { ...good, sig: 'zz' + good.sig.slice(2) }, 'BAD_HEX'],
    ['uppercase hex in pub', { ...good, pub: good.pub.toUpperCase() }, 'BAD_HEX'],
    ['short sig', { ...good, sig: good.sig.slice(2) }, 'BAD_HEX'],
    ['malformed from', { ...good, from: '0x1234' }, 'BAD_ADDRESS'],
    ['from of another key', { ...good, from: other.address }, 'BAD_ADDRESS'],
    ['pub of another key', { ...good, pub: other.publicKey }, 'BAD_ADDRESS'],
    ['forged signature', { ...good, sig: signTx({ key: other, op: send, nonce: 1, time: 1000 }).sig }, 'BAD_SIGNATURE'],
    ['changed after signing', { ...good, nonce: 2 }, 'BAD_SIGNATURE'],
    ['wrong chain', good, 'WRONG_CHAIN', { chain: 'ain-main' }],
    ['wrong shard', good, 'WRONG_CHAIN', { shard: '/apps' }],
  ];
  for (const [name, input, code, options] of cases) t.is(codeOf(input, options), code, name);
});

test('an oversized tx is TX_TOO_LARGE and the sentence says how big and what to do', (t) => {
  const big = signTx({ key, op: { type: 'set_value', path: '/big', value: 'x'.repeat(5000) }, nonce: 1, time: 1 });
  const error = t.throws(() => checkTx(big));
  t.true(isAinError(error, 'TX_TOO_LARGE'));
  t.regex(error!.message, /more than the limit of 4096/);
  t.is(codeOf(big, { maxTxBytes: 8192 }), 'ok');
});

test('error sentences name the field at fault', (t) => {
  const error = t.throws(() => checkTx({ ...good, op: { ...send, to: 'nobody' } }));
  t.regex(error!.message, /"op\.to"/);
});

test('a correctly signed tx with a key named __proto__ is BAD_SCHEMA naming its path, and the signer refuses it alike', (t) => {
  const verifying = t.throws(() => checkTx(JSON.parse(withProtoKey(key, 1))));
  t.true(isAinError(verifying, 'BAD_SCHEMA'));
  t.regex(verifying!.message, /^tx field "op\.value\.__proto__": a key named "__proto__" is refused/);
  const op = JSON.parse('{"type":"set_value","path":"/apps/x","value":{"a":1,"__proto__":{"b":2}}}') as Op;
  const signing = t.throws(() => signTx({ key, op, nonce: 1, time: 1 }));
  t.true(isAinError(signing, 'BAD_SCHEMA'));
  t.is(signing!.message, verifying!.message);
});

test('a correctly signed tx whose text gives a key twice is BAD_SCHEMA naming it, before anything reads either', (t) => {
  const text = withDuplicateKey(key, 2);
  const error = t.throws(() => checkTx(parseTxJson(text)));
  t.true(isAinError(error, 'BAD_SCHEMA'));
  t.regex(error!.message, /^tx field "op": the key appears more than once in one object/);
});

test('a field whose value zod cannot even read (an object with an unreadable length, where a string belongs) is BAD_SCHEMA, not a TypeError (npm run fuzz, seed 382864809)', (t) => {
  const hostile = { length: { toString: 0 } };
  for (const field of ['shard', 'chain', 'from', 'pub', 'sig']) {
    const error = t.throws(() => checkTx(parseTxJson(JSON.stringify({ ...good, [field]: hostile }))));
    t.true(isAinError(error), `${field}: ${String(error)}`);
  }
  t.true(isAinError(t.throws(() => parseGenesis({ chain: hostile }))));
});

test('a tx text longer than any tx of the limit can be written in is TX_TOO_LARGE before it is parsed, on every path (POST /v1/tx’s body limit is the same); whitespace up to it is taken', (t) => {
  const maxTxBytes = 512;
  const maxBytes = txTextBytesMaxFor(maxTxBytes);
  const text = JSON.stringify(good);
  const verdictOf = (body: string) => [...checkTxTexts([body], { maxTxBytes })][0]!;
  // Padded with whitespace to the limit: still the tx.
  t.true('hash' in verdictOf(text + ' '.repeat(maxBytes - text.length)));
  // One byte more, or multi-byte characters past it in fewer UTF-16 units, or megabytes that are not even JSON: refused unread.
  for (const body of [text + ' '.repeat(maxBytes - text.length + 1), text + '"é"'.repeat(maxBytes), '{"a":' + '['.repeat(4 * 1024 * 1024)]) {
    const verdict = verdictOf(body);
    t.like(verdict, { code: 'TX_TOO_LARGE' });
    t.regex((verdict as { message: string }).message, new RegExp(`a tx is at most ${maxBytes} bytes of JSON`));
  }
  const multiByte = text.slice(0, -1) + ',"x":"' + 'é'.repeat(Math.ceil((maxBytes - text.length) / 2) + 4) + '"}';
  t.true(multiByte.length < maxBytes && Buffer.byteLength(multiByte) > maxBytes);
  t.like(verdictOf(multiByte), { code: 'TX_TOO_LARGE' });
});
