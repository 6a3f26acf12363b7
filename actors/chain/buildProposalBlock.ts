import { decodeTxRecord, merkleRoot, proposalHashOf, signTx, txHashOf, type KeyPair } from '../../log/index.ts';
import { AinError, maxProposedBlockBytes, type Certificate, type ProposalHeader, type ProposedBlock } from '../../schemas/index.ts';

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
  /** Mempool txs, already checked, as their canonical record texts in the order they may be applied. */
  readonly txs: readonly string[];
  /** Their tx hashes, index for index, when the caller knows them; otherwise each text is decoded once. */
  readonly hashes?: readonly string[];
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
 * (from height 2), as many mempool txs as fit, and its `cut` for the height, whose time is the
 * block's: the clock, but after the last block's. A mempool tx fits while the records stay within
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
  const cut = sign({ type: 'cut', height }, commit === null ? p.nonce : p.nonce + 1);
  const commitText = commit === null ? null : JSON.stringify(commit);
  const cutText = JSON.stringify(cut);
  const hashOf = (index: number): string | null => {
    const given = p.hashes?.[index];
    if (given !== undefined) return given;
    const record = decodeTxRecord(0, Buffer.from(p.txs[index]!, 'utf8'));
    return record.tx === null ? null : record.hash;
  };

  const hashes: string[] = commit === null ? [] : [txHashOf(commit)];
  const kept: string[] = [];
  let count = hashes.length + 1;
  let cutterBytes = commitText === null ? 0 : utf8Bytes(commitText);
  // The JSON of a block with no mempool txs: the header's fields have fixed widths but the time's and height's.
  const empty = { hash: '0'.repeat(64), header: headerOf(p, time, '0'.repeat(64)), records: [...(commitText === null ? [] : [commitText]), cutText] };
  let gossipBytes = utf8Bytes(JSON.stringify(empty));
  if (count > p.maxTxs || cutterBytes >= p.maxBytes || gossipBytes > maxProposedBlockBytes) {
    throw new AinError(
      'BAD_CONFIG',
      `Block ${height}'s commit and cut alone do not fit its limits (maxTxs ${p.maxTxs}, maxBytes ${p.maxBytes}); raise them in the genesis.`,
    );
  }
  for (const [index, text] of p.txs.entries()) {
    const bytes = utf8Bytes(text);
    const json = jsonBytesOf(text);
    if (count + 1 > p.maxTxs || cutterBytes + bytes >= p.maxBytes || gossipBytes + json > maxProposedBlockBytes) break;
    const hash = hashOf(index);
    if (hash === null) continue; // not a tx: it could not pass any validator's check
    kept.push(text);
    hashes.push(hash);
    count += 1;
    cutterBytes += bytes;
    gossipBytes += json;
  }
  hashes.push(txHashOf(cut));
  const header = headerOf(p, time, merkleRoot(hashes));
  return { hash: proposalHashOf(header), header, records: [...(commitText === null ? [] : [commitText]), ...kept, cutText] };
}

function headerOf({ key, chain, shard, position, lastRoot }: BuildProposalBlockParameters, time: number, txRoot: string): ProposalHeader {
  return { chain, shard, height: position.height, prevHash: position.prevHash, txRoot, time, proposer: key.address, lastRoot };
}
