import { decodeTxRecord, merkleRoot, proposalHashOf, recordsRootOf, signTx, txHashOf, type KeyPair } from '../../log/index.ts';
import { AinError, maxProposedBlockBytes, type Certificate, type Evidence, type ProposalHeader, type ProposedBlock } from '../../schemas/index.ts';

export interface BuildProposalBlockParameters {
  /** The proposer's key: it signs the commit and cut txs. */
  readonly key: KeyPair;
  readonly chain: string;
  readonly shard: string;
  /** Where the chain stands (the block cutter's position): the height to propose, the last block's hash and time. */
  readonly position: { readonly height: number; readonly prevHash: string; readonly prevTime: number };
  /** The state root after the last block (the genesis state root before block 1). */
  readonly lastRoot: string;
  /** The certificate of the last block (null before block 1 is decided, i.e. at height 1). */
  readonly certificate: Certificate | null;
  /**
   * Equivocations the proposer holds, each put in the block as an `evidence` tx it signs, right
   * after its commit and before the mempool's txs (so they come first when room is short).
   */
  readonly evidence?: readonly Evidence[];
  /** Mempool txs, already checked, as their canonical record texts in the order they may be applied. */
  readonly txs: readonly string[];
  /** Their tx hashes, index for index, when the caller knows them; otherwise each text is decoded once. */
  readonly hashes?: readonly string[];
  /** The SHA-256 (hex) of a text's UTF-8, when the caller knows it (a mempool keeps each record's): the recordsRoot takes it as it is. */
  readonly refOf?: (text: string) => string | undefined;
  /**
   * Who signed each tx and its nonce, index for index, when the caller knows them (a mempool
   * does); otherwise each text is decoded once. The proposer's own txs among them (its key's
   * `unstake`, say) have its cut signed above their nonces.
   */
  readonly senders?: readonly { readonly from: string; readonly nonce: number }[];
  /** The first nonce to sign with: above the ledger's last nonce of `key`. */
  readonly nonce: number;
  /** The proposer's clock. */
  readonly timeMs: number;
  /** The chain's block limits (genesis `block`). */
  readonly maxTxs: number;
  readonly maxBytes: number;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** What a text adds to the block's JSON: its escaped string and a comma. */
const jsonBytesOf = (text: string) => utf8Bytes(JSON.stringify(text)) + 1;

/**
 * The block a proposer proposes at `position.height`: its `commit` of the last block's certificate
 * (from height 2), an `evidence` tx of its own for each equivocation given, as many mempool txs as
 * fit, and its `cut` for the height, whose time is the block's: the clock, but after the last
 * block's. Evidence and mempool txs fit while the records stay within
 * `maxTxs`, the records before the cut under `maxBytes` (so the block cutter closes the block at
 * the cut and not before) and the block's JSON within a gossip message; the first that does not
 * fit ends the block, so one sender's txs stay in nonce order. Pure: the clock is an argument.
 * @example const block = buildProposalBlock({ key, chain, shard, position: chain.position, lastRoot: chain.ledger.tree.root(), certificate, txs, nonce, timeMs: now, maxTxs, maxBytes })
 */
export function buildProposalBlock(p: BuildProposalBlockParameters): ProposedBlock {
  const { key, chain, shard, position, certificate } = p;
  const { height } = position;
  if ((height === 1) !== (certificate === null)) {
    throw new AinError('INTERNAL', `buildProposalBlock: block ${height} needs ${height === 1 ? 'no certificate' : `the certificate of block ${height - 1}`}.`);
  }
  const time = Math.max(p.timeMs, position.prevTime + 1);
  const sign = (op: Parameters<typeof signTx>[0]['op'], nonce: number) => signTx({ key, op, nonce, time, chain, shard });
  const commit = certificate === null ? null : sign({ type: 'commit', certificate }, p.nonce);
  const firstEvidenceNonce = commit === null ? p.nonce : p.nonce + 1;
  const evidence = p.evidence ?? [];
  const decoded = (index: number) => decodeTxRecord(0, Buffer.from(p.txs[index]!, 'utf8'));
  const hashOf = (index: number): string | null => {
    const given = p.hashes?.[index];
    if (given !== undefined) return given;
    const record = decoded(index);
    return record.tx === null ? null : record.hash;
  };
  /** The nonce of tx `index` when the proposer signed it, else null. */
  const ownNonceOf = (index: number): number | null => {
    const sender = p.senders?.[index] ?? decoded(index).tx;
    return sender?.from === key.address ? sender.nonce : null;
  };
  // The proposer's own txs among the mempool's (a tx its key signed, with the CLI's clock nonce
  // far above consensus's): its cut comes after them, so it is signed above their nonces (the
  // ledger takes a nonce above the last, gaps and all), or the ledger would refuse it (BAD_NONCE).
  // One at a nonce its commit or evidence takes could not apply, nor one at the largest nonce
  // (no cut could follow it): both are left out.
  const ownLeftOut = (own: number | null, next: number) => own !== null && (own < next || own >= Number.MAX_SAFE_INTEGER);
  let ownNonces = 0;
  for (let index = 0; index < p.txs.length; index++) {
    const own = ownNonceOf(index);
    if (own !== null && own < Number.MAX_SAFE_INTEGER) ownNonces = Math.max(ownNonces, own + 1);
  }
  // Sized with the cut's largest nonce (all evidence in, above every own tx): a cut with a smaller one is no longer.
  const widestCut = JSON.stringify(sign({ type: 'cut', height }, Math.max(firstEvidenceNonce + evidence.length, ownNonces)));
  const commitText = commit === null ? null : JSON.stringify(commit);

  const hashes: string[] = commit === null ? [] : [txHashOf(commit)];
  const kept: string[] = commitText === null ? [] : [commitText];
  let count = hashes.length + 1;
  let cutterBytes = commitText === null ? 0 : utf8Bytes(commitText);
  // The JSON of a block with no other txs: the header's fields have fixed widths but the time's and height's.
  const empty = { hash: '0'.repeat(64), header: headerOf(p, time, '0'.repeat(64), '0'.repeat(64)), records: [...kept, widestCut] };
  let gossipBytes = utf8Bytes(JSON.stringify(empty));
  if (count > p.maxTxs || cutterBytes >= p.maxBytes || gossipBytes > maxProposedBlockBytes) {
    throw new AinError(
      'BAD_CONFIG',
      `Block ${height}'s commit and cut alone do not fit its limits (maxTxs ${p.maxTxs}, maxBytes ${p.maxBytes}); raise them in the genesis.`,
    );
  }
  const fits = (text: string) =>
    count + 1 <= p.maxTxs && cutterBytes + utf8Bytes(text) < p.maxBytes && gossipBytes + jsonBytesOf(text) <= maxProposedBlockBytes;
  const keep = (text: string, hash: string) => {
    kept.push(text);
    hashes.push(hash);
    count += 1;
    cutterBytes += utf8Bytes(text);
    gossipBytes += jsonBytesOf(text);
  };
  let nonce = firstEvidenceNonce;
  for (const offence of evidence) {
    const tx = sign({ type: 'evidence', evidence: offence }, nonce);
    const text = JSON.stringify(tx);
    if (!fits(text)) break;
    keep(text, txHashOf(tx));
    nonce += 1;
  }
  let cutNonce = nonce;
  for (const [index, text] of p.txs.entries()) {
    if (!fits(text)) break;
    const hash = hashOf(index);
    if (hash === null) continue; // not a tx: it could not pass any validator's check
    const own = ownNonceOf(index);
    if (ownLeftOut(own, nonce)) continue;
    keep(text, hash);
    if (own !== null) cutNonce = Math.max(cutNonce, own + 1);
  }
  const cut = sign({ type: 'cut', height }, cutNonce);
  hashes.push(txHashOf(cut));
  const records = [...kept, JSON.stringify(cut)];
  const header = headerOf(p, time, merkleRoot(hashes), recordsRootOf(records, p.refOf));
  return { hash: proposalHashOf(header), header, records };
}

function headerOf({ key, chain, shard, position, lastRoot }: BuildProposalBlockParameters, time: number, txRoot: string, recordsRoot: string): ProposalHeader {
  return { chain, shard, height: position.height, prevHash: position.prevHash, txRoot, recordsRoot, time, proposer: key.address, lastRoot };
}
