import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTx } from '../../../log/check/index.ts';
import { addressOf, keyPairFromSeed, signedBytesOf, signTx, txHashOf } from '../../../log/crypto/index.ts';
import type { Tx } from '../../../schemas/index.ts';

interface Vectors {
  seed: string;
  publicKey: string;
  address: string;
  vectors: { envelope: Tx; signedBytes: string; sig: string; hash: string }[];
}
const fixture: Vectors = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/txVectors.json'), 'utf8'));

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ain-wire-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fixture key, canonical bytes, signature and hash are reproduced exactly', (t) => {
  const key = keyPairFromSeed(fixture.seed);
  t.is(key.publicKey, fixture.publicKey);
  t.is(key.address, fixture.address);
  for (const v of fixture.vectors) {
    const { sig: _sig, ...unsigned } = v.envelope;
    t.is(signedBytesOf(v.envelope).toString('utf8'), v.signedBytes);
    t.is(txHashOf(v.envelope), v.hash);
    const again = signTx({ key, op: unsigned.op, nonce: unsigned.nonce, time: unsigned.time });
    t.is(again.sig, v.sig, 'Ed25519 is deterministic: same key and bytes, same signature');
    const checked = checkTx(v.envelope, { chain: 'ain-local', shard: '/' });
    t.is(checked.hash, v.hash);
  }
});

test('the hash is SHA-256 of the signed bytes, as sha256sum computes it', (t) => {
  for (const v of fixture.vectors) {
    const out = execFileSync('sha256sum', { input: Buffer.from(v.signedBytes, 'utf8') }).toString();
    t.is(out.split(' ')[0], v.hash);
  }
});

test('an envelope signed by the openssl command line verifies (the format does not depend on our code)', (t) => {
  withTmp((dir) => {
    const keyPem = join(dir, 'key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyPem]);
    const pubDer = execFileSync('openssl', ['pkey', '-in', keyPem, '-pubout', '-outform', 'DER']);
    const pub = pubDer.subarray(pubDer.length - 32).toString('hex');
    const unsigned = {
      v: 1 as const,
      chain: 'ain-local',
      shard: '/',
      from: addressOf(pub),
      nonce: 7,
      time: 1764028800000,
      op: { type: 'set_value' as const, path: '/apps/demo/x', value: { a: 1, b: 'ü' } },
      pub,
    };
    // Canonical bytes written by hand, in RFC 8785 key order, so this test does not lean on canonicalJson.
    const canonical = `{"chain":"ain-local","from":"${unsigned.from}","nonce":7,"op":{"path":"/apps/demo/x","type":"set_value","value":{"a":1,"b":"ü"}},"pub":"${pub}","shard":"/","time":1764028800000,"v":1}`;
    t.is(signedBytesOf(unsigned).toString('utf8'), canonical);
    const msg = join(dir, 'msg.bin');
    writeFileSync(msg, canonical, 'utf8');
    const sig = execFileSync('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', keyPem, '-in', msg]).toString('hex');
    const checked = checkTx({ ...unsigned, sig });
    t.is(checked.tx.from, unsigned.from);
  });
});

test('a signature made by signTx verifies with the openssl command line', (t) => {
  withTmp((dir) => {
    const key = keyPairFromSeed(fixture.seed);
    const tx = signTx({ key, op: { type: 'stake', amount: '5' }, nonce: 3, time: 1 });
    const pubPem = join(dir, 'pub.pem');
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey, 'hex')]);
    writeFileSync(pubPem, `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`);
    writeFileSync(join(dir, 'msg.bin'), signedBytesOf(tx));
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(tx.sig, 'hex'));
    const out = execFileSync('openssl', [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-pubin',
      '-inkey',
      pubPem,
      '-in',
      join(dir, 'msg.bin'),
      '-sigfile',
      join(dir, 'sig.bin'),
    ]).toString();
    t.regex(out, /Signature Verified Successfully/);
  });
});
