// Target `genesis`: genesis files (schemas/genesis; structured, edited, garbage) through the node's
// loader (loadOrCreateGenesis) and the audit's (readGenesis): they refuse with BAD_GENESIS and
// agree on the hash; the ledger builds from what they accept, and its hash survives a round trip.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createLedger, genesisHashOf, parseGenesis } from '../../../actors/index.ts';
import { readGenesis } from '../../../runtime/audit/auditDataDir.ts';
import { loadOrCreateGenesis } from '../../../runtime/node/genesisFile.ts';
import { NodeConfig } from '../../../schemas/index.ts';
import {
  applyFieldEdit,
  awkwardJson,
  awkwardString,
  copyJson,
  editedText,
  fieldEdit,
  garbageText,
  jsonText,
  ownObject,
  textForm,
} from '../../arbitraries/json.ts';
import { ruleSource } from '../../arbitraries/rule.ts';
import { testKeys } from '../../arbitraries/tx.ts';
import { attempt, attemptAsync, diverge, type Target } from '../../harness.ts';

const key = (k: unknown): string => (typeof k === 'string' ? k : (JSON.stringify(k) ?? 'undefined'));
const edge = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 20 }, { arbitrary: awkwardJson, weight: 1 });
const address = edge(fc.constantFrom(...testKeys.map((k) => k.address)));
const amount = edge(fc.constantFrom('0', '1', '1000', '9'.repeat(39)));
const ms = edge(fc.constantFrom(0, 1, 60_000, 365 * 24 * 3600 * 1000));
const genesis = fc.record(
  {
    version: edge(fc.constant(1)),
    chain: edge(fc.constantFrom('ain-local', 'other')),
    shard: edge(fc.constantFrom('/', '/apps')),
    time: ms,
    owner: address,
    accounts: fc
      .array(fc.tuple(address, fc.record({ balance: amount, stake: amount }, { requiredKeys: [] })), { minLength: 1, maxLength: 3 })
      .map((e) => ownObject(e.map(([a, v]) => [key(a), v] as const))),
    proposers: edge(fc.array(address, { minLength: 1, maxLength: 3 })),
    block: fc.record({ maxTxs: edge(fc.constantFrom(1, 10_000, 100_000)), maxBytes: edge(fc.constantFrom(1024, 8 * 1024 * 1024)) }, { requiredKeys: [] }),
    unbondingMs: ms,
    jobs: fc.record(
      {
        claimWindowMs: ms,
        rankWindowMs: ms,
        maxChallenges: edge(fc.constantFrom(0, 16)),
        challengeStrikes: edge(fc.constantFrom(0, 1, 1000)),
        blindWindowMs: ms,
        eloK: edge(fc.constantFrom(0, 32, 1000, 1000.5)),
      },
      { requiredKeys: [] },
    ),
    storage: fc.record(
      {
        providers: fc
          .array(fc.tuple(address, fc.record({ price: amount, bytesMax: edge(fc.constantFrom(0, 1, 2 ** 30, 2 ** 50, 2 ** 50 + 1)) }, { requiredKeys: [] })), {
            maxLength: 3,
          })
          .map((e) => ownObject(e.map(([a, v]) => [key(a), v] as const))),
      },
      { requiredKeys: [] },
    ),
    rules: fc
      .array(fc.tuple(edge(fc.constantFrom('/', '/apps', '/apps/$app', '/apps/$app/$user', '/apps/x')), fc.oneof(ruleSource, fc.boolean(), awkwardString)), {
        maxLength: 3,
      })
      .map((e) => ownObject(e.map(([p, r]) => [key(p), r] as const))),
  },
  { requiredKeys: ['chain', 'owner', 'accounts', 'proposers', 'block'] },
);

export interface GenesisInput {
  readonly text: string;
  readonly chain: string;
  readonly shard: string;
}

export const genesisTarget: Target<GenesisInput, string> = {
  name: 'genesis',
  about: "genesis files (structured, edited, garbage) through loadOrCreateGenesis and the audit's readGenesis, then createLedger",
  inputMs: 500,
  pure: true,
  arbitrary: fc.record({
    text: fc.oneof(
      {
        arbitrary: fc
          .tuple(genesis, fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.array(fieldEdit, { maxLength: 2 }), weight: 1 }), textForm)
          .map(([g, edits, form]) => {
            const copy = copyJson(g) as Record<string, unknown>;
            for (const e of edits) applyFieldEdit(copy, e);
            return jsonText(copy, form);
          }),
        weight: 6,
      },
      { arbitrary: editedText(genesis.map((g) => JSON.stringify(g))), weight: 1 },
      { arbitrary: garbageText, weight: 1 },
    ),
    chain: fc.constantFrom('ain-local', 'ain-local', 'other'),
    shard: fc.constantFrom('/', '/', '/apps'),
  }),
  async setup() {
    return mkdtemp(join(tmpdir(), 'ain-fuzz-genesis-'));
  },
  async check(input, dir) {
    const file = join(dir, 'genesis.json');
    await writeFile(file, input.text);
    const config = NodeConfig.parse({ dataDir: dir, chain: input.chain, shard: input.shard });
    const node = await attemptAsync(() => loadOrCreateGenesis(file, testKeys[0]!.address, config));
    const audit = await attemptAsync(() => readGenesis(file));
    if (!node.ok && node.code !== 'BAD_GENESIS') diverge(`loadOrCreateGenesis refuses with ${node.code}, not BAD_GENESIS: ${node.message}`);
    if (!audit.ok && audit.code !== 'BAD_GENESIS') diverge(`the audit's readGenesis refuses with ${audit.code}, not BAD_GENESIS: ${audit.message}`);
    if (!audit.ok) {
      if (node.ok) diverge(`the node loads a genesis the audit refuses (${audit.code}: ${audit.message})`);
      return;
    }
    const hash = attempt(() => genesisHashOf(audit.value));
    if (node.ok && (!hash.ok || node.value.hash !== hash.value)) diverge(`the node and the audit read the genesis to different hashes`);
    if (!hash.ok) return;
    const again = attempt(() => genesisHashOf(parseGenesis(JSON.parse(JSON.stringify(audit.value)))));
    if (!again.ok || again.value !== hash.value)
      diverge(`the genesis, written back and read again, ${again.ok ? 'hashes differently' : `is refused: ${again.message}`}`);
    const ledger = attempt(() => createLedger(audit.value));
    if (ledger.ok) ledger.value.tree.root();
  },
  async finish(dir) {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    return [];
  },
};
