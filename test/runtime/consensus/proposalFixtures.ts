import { decodeTxRecord, sha256Hex } from '../../../log/index.ts';
import type { Certificate } from '../../../schemas/index.ts';
import { genesis } from '../../actors/chain/proposals.ts';

// What proposalBlocks' and compactBlocks' tests judge blocks with: no certificates (height 1),
// the genesis block limits, and a mempool holding given record texts.

export const commits = {
  get: (): Certificate | undefined => undefined,
  latest: () => null,
  keep: async () => {},
  save: async () => {},
  commits$: undefined as never,
  close() {},
};

export const limits = { maxTxs: genesis.block.maxTxs, maxBytes: genesis.block.maxBytes, clockDriftMs: 10_000 };

/** A ProposalSource holding `texts`: each taken with its hash and its record's ref. */
export const mempool = (texts: readonly string[]) => ({
  size: texts.length,
  hasReady: () => texts.length > 0,
  has: (hash: string) => texts.some((text) => decodeTxRecord(0, Buffer.from(text)).hash === hash),
  take: () =>
    texts.map((text) => {
      const { hash, tx } = decodeTxRecord(0, Buffer.from(text));
      return { hash, record: Buffer.from(text), ref: sha256Hex(text), from: tx!.from, nonce: tx!.nonce };
    }),
  recordOf: (hash: string) => texts.map((text) => Buffer.from(text)).find((record) => decodeTxRecord(0, record).hash === hash),
  heldByRef: (ref: string) => {
    const text = texts.find((t) => sha256Hex(t) === ref);
    return text === undefined ? undefined : { hash: decodeTxRecord(0, Buffer.from(text)).hash, record: Buffer.from(text), ref };
  },
});
