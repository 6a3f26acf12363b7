// Signed txs that are structured but wrong: every op of the catalogue with fields from small pools
// (so ops meet each other in the ledger: a job registered, then applied to, requested, ranked),
// then edited (a field dropped, retyped, a `__proto__` key added), signed with a test key so the
// signature check passes and the schema and ledger paths are reached, and written as JSON text in
// several forms. Txs are plans until `resolvePlans` signs them: nonces and ids of earlier txs are
// filled in against the ledger they are for.
import { sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { genesisHashOf, parseGenesis } from '../../actors/index.ts';
import { canonicalBytes, keyPairFromSeed, sha256Hex, signBinaries, signTx, signVote, type KeyPair } from '../../log/index.ts';
import { signingKeyObject } from '../../log/crypto/keys.ts';
import type { GenesisInput } from '../../schemas/index.ts';
import {
  applyEdits,
  applyFieldEdit,
  awkwardJson,
  copyJson,
  awkwardNumber,
  awkwardString,
  fieldEdit,
  jsonText,
  ownObject,
  textForm,
  type FieldEdit,
  type TextEdit,
  type TextForm,
} from './json.ts';
import { ruleSource } from './rule.ts';

/** Test keys: 0 owns `/`, proposes and validates the fuzz ledger; 1-3 hold AIN. */
export const testKeys: readonly KeyPair[] = [1, 2, 3, 4].map((n) => keyPairFromSeed(Buffer.alloc(32, n).toString('hex')));
const signingKeys = new Map<string, KeyObject>(testKeys.map((k) => [k.address, signingKeyObject(k)]));

export const fuzzGenesis: GenesisInput = {
  chain: 'ain-local',
  owner: testKeys[0]!.address,
  accounts: Object.fromEntries(testKeys.map((k, i) => [k.address, { balance: '1000000', stake: i === 0 ? '1000' : '0' }])),
  proposers: [testKeys[0]!.address],
  block: {},
  rules: { '/apps': true, '/apps/fz/$x': 'auth.addr !== null' },
};

/** Mostly right, sometimes wrong: txs that all fail the schema never reach the ledger. */
const mostly = <T, U>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>, weight = 12) =>
  fc.oneof({ arbitrary: right as fc.Arbitrary<T | U>, weight }, { arbitrary: wrong, weight: 1 });
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
/** `$tx0`…`$tx3` stand for the hashes of the plan's earlier txs; `$self`, `$node` for addresses. */
const address = fc.oneof(
  { arbitrary: fc.constantFrom(...testKeys.map((k) => k.address), '$self', '$node'), weight: 6 },
  { arbitrary: hex(20).map((h) => `0x${h}`), weight: 1 },
  { arbitrary: fc.constantFrom('bob', `0x${'A'.repeat(40)}`, '0x', `0x${'0'.repeat(41)}`), weight: 1 },
);
const hash = mostly(
  fc.oneof({ arbitrary: fc.constantFrom('$tx0', '$tx1', '$tx2', '$tx3'), weight: 5 }, { arbitrary: hex(32), weight: 1 }),
  fc.constantFrom('', 'x'.repeat(64)),
);
const amount = mostly(
  fc.oneof(fc.constantFrom('0', '1', '10', '999', '1000000', '1000001', '9'.repeat(39)), fc.nat().map(String)),
  fc.constantFrom('01', '-1', '1.5', '', 10),
);
const uint = mostly(fc.constantFrom(0, 1, 2, 3, 1000, 60_000), awkwardNumber, 6);
const label = fc.oneof({ arbitrary: fc.constantFrom('apps', 'fz', 'a', 'b', '$x', '$user', 'x1'), weight: 6 }, { arbitrary: awkwardString, weight: 1 });
const path = fc.oneof(
  { arbitrary: fc.array(label, { minLength: 0, maxLength: 4 }).map((ls) => `/apps/fz/${ls.join('/')}`.replace(/\/$/, '')), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      '/',
      '/apps',
      '/accounts',
      `/accounts/${testKeys[1]!.address}/balance`,
      '/consensus',
      '/jobs',
      '//',
      'apps',
      `/${'a/'.repeat(40)}b`,
    ),
    weight: 1,
  },
  { arbitrary: awkwardString, weight: 1 },
);
const readConcern = fc.option(uint, { nil: undefined, freq: 4 });
const blob = fc.oneof(
  hex(32).map((h) => `blob://sha256:${h}`),
  fc.constant('blob://sha256:x'),
);
const bool = fc.oneof({ arbitrary: fc.boolean(), weight: 5 }, { arbitrary: fc.constantFrom(0, 'true', null), weight: 1 });
const rights = fc.record({ write_rule: bool, write_owner: bool, write_function: bool, branch_owner: bool });
const small = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 3 });
const sampleProto =
  'syntax = "proto3";\nservice Worker { rpc Run (Req) returns (Rep) {} }\nservice Evaluator { rpc Rank (Eval) returns (Ranking) {} }\nmessage Req { float y = 1; }\nmessage Rep { float x = 1; }\nmessage Eval { Req request = 1; }\nmessage Ranking { repeated string node = 1; }';

const treeOps = {
  set_value: fc.record({ type: fc.constant('set_value'), path, value: awkwardJson, read_concern: readConcern }, { requiredKeys: ['type', 'path', 'value'] }),
  inc_value: fc.record({ type: fc.constantFrom('inc_value', 'dec_value'), path, value: awkwardNumber }),
  set_rule: fc.record({
    type: fc.constant('set_rule'),
    path,
    value: fc.oneof(
      ruleSource.map((write) => ({ write })),
      fc.boolean().map((write) => ({ write })),
      fc.constant(null),
    ),
  }),
  set_owner: fc.record({
    type: fc.constant('set_owner'),
    path,
    value: fc.oneof(
      small(fc.tuple(fc.oneof(address, fc.constant('*')), rights)).map((e) => ({ owners: ownObject(e) })),
      fc.constant(null),
    ),
  }),
  set_function: fc.record({
    type: fc.constant('set_function'),
    path,
    value: fc.oneof(
      small(
        fc.tuple(
          fc.constantFrom('f', 'g', '__proto__', 'a b'),
          fc.option(fc.record({ runtime: fc.constantFrom('nodejs', 'docker', ''), code: blob, owner: address }, { requiredKeys: ['runtime', 'code'] })),
        ),
      ).map(ownObject),
      fc.constant(null),
    ),
  }),
};
const treeOp = fc.oneof(...Object.values(treeOps));
const json = fc.oneof(awkwardJson, fc.constantFrom({ y: 4 }, { x: 2 }, { node: [testKeys[1]!.address] }));

/** A shard's validators and consensus rules, as a branch or a shardRules op gives them. */
const shardValidators = small(fc.record({ address, stake: amount }));
const shardRules = fc.record(
  {
    blockIntervalMs: uint,
    reportPeriodMs: uint,
    timeouts: fc.record({ proposeMs: uint, prevoteMs: uint, precommitMs: uint, roundDeltaMs: uint }),
    maxTxs: uint,
    maxBytes: uint,
  },
  { requiredKeys: ['blockIntervalMs', 'reportPeriodMs', 'timeouts'] },
);

/** A job's binaries signed by a test key (the signer may not be the job's admin), or fields edited after signing. */
const binaries = fc
  .record({ key: fc.nat(testKeys.length - 1), version: uint, repository: fc.constantFrom('https://github.com/x/y', 'ftp://x', ''), edit: fc.boolean() })
  .map(({ key, version, repository, edit }) => {
    const signed = signBinaries(testKeys[key]!, 'ain-local', {
      repository,
      version: Number.isSafeInteger(version) ? version : 1,
      worker: sha256Hex('w'),
      evaluator: sha256Hex('e'),
    });
    return edit ? { ...signed, version: signed.version + 1 } : signed;
  });

/** Every op of the catalogue, most of the time well-typed. */
export const op: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  ...Object.values(treeOps),
  fc.record({ type: fc.constant('set'), ops: fc.array(treeOp, { minLength: 0, maxLength: 4 }) }),
  fc.record({ type: fc.constant('send'), to: address, amount }),
  fc.record({ type: fc.constantFrom('stake', 'unstake'), amount }),
  fc.record(
    {
      type: fc.constant('registerJob'),
      job_specification: fc.oneof(fc.constant(sampleProto), blob, awkwardString),
      fee: amount,
      challenge_fee: amount,
      max_approvals: uint,
      window_ms: uint,
      requirements: fc.record({ cpu: uint, gpu: uint }, { requiredKeys: [] }),
      test_data: fc.record({ request: json, workers: small(fc.record({ node: fc.constantFrom('w1', ''), response: json })) }, { requiredKeys: ['request'] }),
      binaries,
    },
    { requiredKeys: ['type', 'job_specification'] },
  ),
  fc.record({ type: fc.constant('publishBinaries'), job_id: hash, binaries }),
  fc.record({ type: fc.constant('reserveWorker'), job_id: hash, worker: address, price: amount, period_ms: uint, requests: uint }),
  fc.record({ type: fc.constant('acceptReservation'), reservation_id: hash }),
  fc.record({ type: fc.constant('revealTestData'), request_id: hash, test_data: json, salt: hash }),
  fc.record(
    { type: fc.constant('applyJob'), job_id: hash, role: fc.constantFrom('admin', 'evaluator', 'worker', 'boss'), test_result: json },
    { requiredKeys: ['type', 'job_id', 'role'] },
  ),
  fc.record({ type: fc.constant('approveNode'), job_id: hash, node: address, role: fc.constantFrom('admin', 'evaluator', 'worker') }),
  fc.record(
    {
      type: fc.constant('requestJob'),
      job_id: hash,
      job_input: fc.oneof(json, blob),
      reward: fc.array(amount, { maxLength: 3 }),
      reward_function: fc.constantFrom('even', 'winnerOnly', 'ranked', 'other'),
      time_limit: uint,
      evaluator_node: small(address),
      worker_node: small(address),
      skip_evaluation: fc.boolean(),
      reservation: hash,
      test_commitment: hash,
    },
    { requiredKeys: ['type', 'job_id', 'job_input', 'reward', 'time_limit'] },
  ),
  fc.record(
    { type: fc.constant('acceptJob'), request_id: hash, role: fc.constantFrom('evaluator', 'worker'), deposit: amount },
    { requiredKeys: ['type', 'request_id', 'role'] },
  ),
  fc.record(
    { type: fc.constant('submitResult'), request_id: hash, result: fc.oneof(json, blob), version: uint },
    { requiredKeys: ['type', 'request_id', 'result'] },
  ),
  fc.record({ type: fc.constant('rank'), request_id: hash, ranking: fc.array(address, { maxLength: 3 }) }),
  fc.record(
    {
      type: fc.constantFrom('acceptResult', 'challenge', 'resolveChallenge', 'rejectWorker', 'blindChallenge', 'blindVerdict'),
      request_id: hash,
      uphold: fc.boolean(),
      reason: awkwardString,
      worker: address,
      ranking: fc.array(address, { maxLength: 3 }),
      reward: amount,
      quorum: uint,
    },
    { requiredKeys: ['type', 'request_id'] },
  ),
  fc.record({ type: fc.constant('drop'), job_id: hash, node: address, reason: awkwardString }, { requiredKeys: ['type', 'job_id', 'node'] }),
  fc.record({ type: fc.constant('cut'), height: uint }),
  // Mostly the chain's own genesis ($genesis), so the fold's attestation rules are reached; some another.
  fc.record({ type: fc.constant('attest'), height: uint, hash, genesis: fc.oneof({ arbitrary: fc.constant('$genesis'), weight: 3 }, hash) }),
  fc.tuple(fc.nat({ max: 3 }), uint, hash).map(([k, height, h]) => ({ type: 'commit', certificate: certificateBy(k, height, h) })),
  fc
    .tuple(fc.nat({ max: 3 }), uint, hash, hash)
    .map(([k, height, a, b]) => ({ type: 'equivocation', first: attestBy(k, height, a), second: attestBy(k, height, b) })),
  fc
    .tuple(fc.nat({ max: 3 }), uint, fc.nat({ max: 2 }), fc.boolean(), hash, hash)
    .map(([k, height, round, sameRound, a, b]) => ({ type: 'evidence', evidence: votePairBy(k, height, round, sameRound, a, b) })),
  fc.record(
    {
      type: fc.constant('branch'),
      path,
      validators: shardValidators,
      rules: shardRules,
    },
    { requiredKeys: ['type', 'path', 'validators', 'rules'] },
  ),
  fc.tuple(fc.nat({ max: 3 }), path, uint, hash, hash, address, uint).map(([k, shard, height, prevHash, root, proposer, time]) => ({
    type: 'report',
    shard,
    header: {
      chain: 'ain-local',
      shard,
      height,
      prevHash,
      txRoot: root,
      recordsRoot: root,
      stateRoot: root,
      outcomeRoot: root,
      time,
      proposer,
      firstOffset: 0,
      lastOffset: 0,
      lastRoot: prevHash,
    },
    certificate: certificateBy(k, height, root),
  })),
  fc.record({ type: fc.constant('closeShard'), shard: path }),
  fc.record(
    {
      type: fc.constant('shardRules'),
      validators: shardValidators,
      rules: shardRules,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    { type: fc.constant('reserveStorage'), provider: address, space: uint, ttl: uint, acl: small(fc.oneof(address, fc.constant('*'))), for: address },
    { requiredKeys: ['type', 'provider', 'space', 'ttl'] },
  ),
  fc.record({ type: fc.constant('offerStorage'), price: amount, bytesMax: uint }),
  fc.record({ type: fc.oneof(awkwardString, fc.constant('nope')), value: awkwardJson }),
);

/** The fuzz chain's genesis hash, which its votes and attestations name (so they can count and slash). */
let genesisHashMemo: string | undefined;
const fuzzGenesisHash = () => (genesisHashMemo ??= genesisHashOf(parseGenesis(fuzzGenesis)));

/** A signed attest, as equivocation evidence; unresolvable placeholders become fixed hashes. */
function attestBy(key: number, height: number, hash: string): unknown {
  const h = /^[0-9a-f]{64}$/.test(hash) ? hash : sha256Hex(hash);
  return Number.isSafeInteger(height) && height >= 1
    ? signTx({ key: testKeys[key]!, op: { type: 'attest', height, hash: h, genesis: fuzzGenesisHash() }, nonce: 1, time: 1 })
    : { height, hash };
}

/** A certificate of one precommit, as a commit's; unresolvable placeholders become fixed hashes. */
function certificateBy(key: number, height: number, hash: string): unknown {
  const h = /^[0-9a-f]{64}$/.test(hash) ? hash : sha256Hex(hash);
  return Number.isSafeInteger(height) && height >= 1
    ? {
        height,
        round: 0,
        hash: h,
        votes: [signVote(testKeys[key]!, { chain: 'ain-local', shard: '/', height, round: 0, kind: 'precommit', hash: h }, fuzzGenesisHash())],
      }
    : { height, hash };
}

/**
 * Two precommits of one validator at one height, in one round or two (then not evidence), the
 * smaller hash first; unresolvable placeholders become fixed hashes.
 */
function votePairBy(key: number, height: number, round: number, sameRound: boolean, a: string, b: string): unknown {
  const [x, y] = [a, b].map((hash) => (/^[0-9a-f]{64}$/.test(hash) ? hash : sha256Hex(hash))).sort() as [string, string];
  if (!Number.isSafeInteger(height) || height < 1) return { a: x, b: y };
  const vote = (r: number, h: string) =>
    signVote(testKeys[key]!, { chain: 'ain-local', shard: '/', height, round: r, kind: 'precommit', hash: h }, fuzzGenesisHash());
  return { a: vote(round, x), b: vote(sameRound ? round : round + 1, y) };
}

export type NonceSpec = { readonly next: number } | { readonly fixed: unknown };
export type SigMode = 'valid' | 'flipped' | 'otherKey' | 'junk';

/** One tx to be: who signs, what, and how it is written. */
export interface TxPlan {
  readonly signer: number;
  readonly op: Record<string, unknown>;
  readonly nonce: NonceSpec;
  readonly time: unknown;
  readonly chain: string;
  readonly shard: string;
  readonly edits: readonly FieldEdit[];
  readonly sig: SigMode;
  readonly form: TextForm;
  /** A key written once more before the envelope's own (JSON.parse keeps the last). */
  readonly duplicateKey: string | null;
  readonly textEdits: readonly TextEdit[];
}

export const txPlan: fc.Arbitrary<TxPlan> = fc.record({
  signer: fc.nat({ max: 3 }),
  op,
  nonce: mostly(
    fc.integer({ min: -1, max: 2 }).map((next): NonceSpec => ({ next })),
    fc.oneof(awkwardNumber, awkwardJson).map((fixed): NonceSpec => ({ fixed })),
    20,
  ),
  time: mostly(fc.constant(1_764_000_000_000), fc.oneof(awkwardNumber, awkwardJson), 20),
  chain: mostly(fc.constant('ain-local'), fc.constantFrom('other', 'AIN', ''), 30),
  shard: mostly(fc.constant('/'), fc.constantFrom('/apps', '', '//'), 30),
  edits: mostly(fc.constant([]), fc.array(fieldEdit, { minLength: 1, maxLength: 2 }), 8),
  sig: mostly(fc.constant('valid' as const), fc.constantFrom('flipped' as const, 'otherKey' as const, 'junk' as const), 20),
  form: textForm,
  duplicateKey: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.constantFrom('nonce', 'op', 'sig', '__proto__', 'v'), weight: 1 }),
  textEdits: fc.oneof(
    { arbitrary: fc.constant([]), weight: 30 },
    {
      arbitrary: fc.array(
        fc.record({
          kind: fc.constantFrom('insert' as const, 'delete' as const, 'repeat' as const, 'truncate' as const, 'replace' as const),
          at: fc.nat(),
          length: fc.integer({ min: 1, max: 8 }),
          token: fc.constantFrom('{', '}', '"', ',', '\\', '0'),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      weight: 1,
    },
  ),
});

export interface ResolveContext {
  /** The nonce the ledger last saw from an address. */
  readonly nonceOf: (address: string) => number;
  readonly nodeAddress?: string;
  /** The genesis hash `$genesis` stands for: the chain's the txs go to (default the fuzz genesis's). */
  readonly genesisHash?: string;
}

function fill(value: unknown, hashes: readonly string[], self: string, node: string, genesis: string): unknown {
  if (typeof value === 'string') {
    if (/^\$tx[0-3]$/.test(value)) return hashes[Number(value[3])] ?? sha256Hex(value);
    return value === '$self' ? self : value === '$node' ? node : value === '$genesis' ? genesis : value;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, hashes, self, node, genesis));
  if (value !== null && typeof value === 'object') return ownObject(Object.entries(value).map(([k, v]) => [k, fill(v, hashes, self, node, genesis)] as const));
  return value;
}

function signatureOf(unsigned: unknown, key: KeyPair, mode: SigMode): string {
  if (mode === 'junk') return 'ab'.repeat(32);
  let bytes: Buffer;
  try {
    bytes = canonicalBytes(unsigned);
  } catch {
    return '00'.repeat(64); // not canonicalisable (a lone surrogate): no signature can cover it
  }
  const signer = mode === 'otherKey' ? testKeys[(testKeys.indexOf(key) + 1) % testKeys.length]! : key;
  const sig = sign(null, bytes, signingKeys.get(signer.address)!).toString('hex');
  return mode === 'flipped' ? (sig[0] === '0' ? '1' : '0') + sig.slice(1) : sig;
}

/** Signs plans in order: each `next` nonce counts on from the ledger's and the plans before it. */
export function resolvePlans(plans: readonly TxPlan[], context: ResolveContext): string[] {
  const hashes: string[] = [];
  const nonces = new Map<string, number>();
  return plans.map((plan) => {
    const key = testKeys[plan.signer]!;
    const last = nonces.get(key.address) ?? context.nonceOf(key.address);
    const nonce = 'next' in plan.nonce ? last + 1 + plan.nonce.next : plan.nonce.fixed;
    if (typeof nonce === 'number' && Number.isSafeInteger(nonce)) nonces.set(key.address, Math.max(last, nonce));
    const op = fill(plan.op, hashes, key.address, context.nodeAddress ?? testKeys[0]!.address, context.genesisHash ?? fuzzGenesisHash());
    const unsigned = copyJson({ v: 1, chain: plan.chain, shard: plan.shard, from: key.address, nonce, time: plan.time, op, pub: key.publicKey }) as Record<
      string,
      unknown
    >;
    for (const edit of plan.edits) applyFieldEdit(unsigned, edit);
    try {
      hashes.push(sha256Hex(canonicalBytes(unsigned)));
    } catch {
      hashes.push(sha256Hex(String(hashes.length)));
    }
    const envelope = { ...unsigned, sig: signatureOf(unsigned, key, plan.sig) };
    let text = jsonText(ownObject(Object.entries(envelope)), plan.form);
    if (plan.duplicateKey !== null)
      text = text.replace('{', `{${JSON.stringify(plan.duplicateKey)}:${JSON.stringify(plan.duplicateKey === 'nonce' ? 0 : 'x')},`);
    return applyEdits(text, plan.textEdits);
  });
}

/** One to four plans, as one block's txs or one batch. */
export const txPlans = fc.array(txPlan, { minLength: 1, maxLength: 4 });
