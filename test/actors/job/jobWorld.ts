// A job-protocol world over the real ledger fold: named parties, a registered and staffed job.
import { txHashOf, type KeyPair } from '../../../log/index.ts';
import { readRequest, readNode, type PersistedRequest } from '../../../actors/index.ts';
import type { GenesisInput, Op, OpOf } from '../../../schemas/index.ts';
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

export function newChain(
  jobs?: {
    claimWindowMs?: number;
    rankWindowMs?: number;
    resolveWindowMs?: number;
    maxChallenges?: number;
    maxTimeLimitMs?: number;
    challengeStrikes?: number;
    blindWindowMs?: number;
  },
  bandwidth?: GenesisInput['bandwidth'],
): TestChain {
  return new TestChain({
    chain: 'ain-test',
    owner: admin.address,
    accounts: Object.fromEntries(everyone.map((k) => [k.address, { balance: '1000', stake: k === admin ? '100' : '0' }])),
    proposers: [admin.address],
    block: {},
    ...(jobs === undefined ? {} : { jobs }),
    ...(bandwidth === undefined ? {} : { bandwidth }),
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

/** Given a job with an approved evaluator and workers w1..w3 (challenge fee 5, fee 3). */
export function staffedJob(chain: TestChain): string {
  const { id: job, code } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, fee: '3', challenge_fee: '5' });
  if (code !== 'ok') throw new Error(code);
  for (const [who, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
  ] as const) {
    one(chain, who, { type: 'applyJob', job_id: job, role });
    const { code: approved } = one(chain, admin, { type: 'approveNode', job_id: job, node: who.address, role });
    if (approved !== 'ok') throw new Error(approved);
  }
  return job;
}

/**
 * Given a request of `reward` ([evaluator, workers]; the reward function and weights in `terms`)
 * that the evaluator accepted (deposit 20) and `workers` submitted to, past its time limit.
 */
export function rankedRequest(
  chain: TestChain,
  job: string,
  workers = [w1, w2],
  reward: [string, string] = ['10', '10'],
  terms: Pick<OpOf<'requestJob'>, 'reward_function' | 'reward_weights'> = {},
): string {
  const { id } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward, time_limit: 60_000, ...terms });
  one(chain, evaluator, { type: 'acceptJob', request_id: id, role: 'evaluator', deposit: '20' });
  for (const w of workers) one(chain, w, { type: 'acceptJob', request_id: id, role: 'worker' });
  for (const w of workers) one(chain, w, { type: 'submitResult', request_id: id, result: { x: 2 } });
  chain.block([], chain.time + 60_000); // block time passes the limit: ranking
  return id;
}
