// A job-protocol world over the real ledger fold: named parties, a registered and staffed job.
import { txHashOf, type KeyPair } from '../../../log/index.ts';
import { readRequest, readNode, type PersistedRequest } from '../../../actors/index.ts';
import type { Op } from '../../../schemas/index.ts';
import { key, TestChain, type AppliedBlock } from '../ledger/chain.ts';

export const admin = key(51);
export const evaluator = key(52);
export const w1 = key(53);
export const w2 = key(54);
export const w3 = key(55);
export const client = key(56);
export const stranger = key(57);
export const everyone = [admin, evaluator, w1, w2, w3, client, stranger];

export const schemaText = 'syntax = "proto3"; service Worker { rpc Calc (Req) returns (Res); } message Req { double y = 1; } message Res { double x = 1; }';

export function newChain(jobs?: {
  claimWindowMs?: number;
  rankWindowMs?: number;
  resolveWindowMs?: number;
  maxChallenges?: number;
  maxTimeLimitMs?: number;
}): TestChain {
  return new TestChain({
    chain: 'ain-test',
    owner: admin.address,
    accounts: Object.fromEntries(everyone.map((k) => [k.address, { balance: '1000', stake: k === admin ? '100' : '0' }])),
    proposers: [admin.address],
    block: {},
    ...(jobs === undefined ? {} : { jobs }),
  });
}

/** Folds one tx in a block of its own; returns the block and the tx hash (a job or request id). */
export function one(chain: TestChain, from: KeyPair, op: Op, time?: number): { block: AppliedBlock; id: string; code: string } {
  const tx = chain.tx(from, op);
  const block = chain.block([tx], time);
  return { block, id: txHashOf(tx), code: block.outcomes[0]!.code };
}

export function request(chain: TestChain, id: string): PersistedRequest {
  return readRequest(chain.ledger.tree, id)!;
}

export function nodeState(chain: TestChain, job: string, who: KeyPair): string | undefined {
  return readNode(chain.ledger.tree, job, who.address)?.state;
}
