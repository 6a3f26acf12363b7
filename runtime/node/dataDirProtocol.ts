import { join } from 'node:path';
import { z } from 'zod';
import { AinError, Hash } from '../../schemas/index.ts';
import { readJsonFile, writeFileAtomic } from '../files/index.ts';

/**
 * The protocol a data dir's chain was made under, bumped when a chain's log would no longer replay
 * under this version to what its certificates and attestations signed. 1: block headers without
 * recordsRoot; 2: votes and attestations that do not sign the chain's genesis; 3: this version.
 */
export const dataDirProtocol = 3;

/** What made each earlier protocol's chains ones this version cannot continue. */
export const protocolChanges: Readonly<Record<number, string>> = {
  1: 'its block headers have no recordsRoot',
  2: 'its votes and attestations do not sign the chain’s genesis',
};

/**
 * `<dataDir>/protocol.json`, written when the node first opens the data dir with an empty log, and
 * again when it opens one whose log is empty on another genesis (a network relaunched, the log wiped).
 */
export const protocolFileName = 'protocol.json';

/** `genesis`: the hash of the genesis the log holds a chain of (absent in markers from before it was written). */
const ProtocolFile = z.strictObject({ protocol: z.number().int().min(1), genesis: Hash.optional() });

/** What an operator does with a chain this version cannot continue. */
export const startAgain =
  'Start a new chain (ain net init for a network, with a new Kafka topic for a cluster, or a new --data dir for one node), or run the earlier ain on this one.';

/** Who made a chain of `protocol` (undefined: a data dir from before the marker), in words; `details.made` of DATA_DIR_OLD and DATA_DIR_NEWER. */
function madeBy(protocol: number | undefined): string {
  if (protocol === undefined)
    return 'an earlier ain (before data dirs named their protocol: 2 or earlier), in which votes and attestations do not sign the chain’s genesis';
  if (protocol > dataDirProtocol) return `a later ain (protocol ${protocol}; this one runs ${dataDirProtocol})`;
  return `an earlier ain (protocol ${protocol}), in which ${protocolChanges[protocol] ?? 'the chain’s records sign other bytes'}`;
}

/**
 * The DATA_DIR_OLD refusal of a chain of protocol `protocol` (undefined: a data dir from before the
 * marker, protocol 2 or earlier) in `where`.
 */
function oldProtocolError(where: string, protocol: number | undefined): AinError {
  const made = madeBy(protocol);
  return new AinError(
    'DATA_DIR_OLD',
    `The chain in ${where} was made by ${made}: this version cannot continue it (its log does not replay to what its certificates signed). ${startAgain}`,
    { details: { made } },
  );
}

export interface DataDirProtocolOptions {
  readonly dataDir: string;
  /**
   * The hash of the genesis the node (or audit) was given: a data dir whose own log holds records
   * of another genesis's chain is refused (GENESIS_MISMATCH). Unchecked when absent.
   */
  readonly genesis?: string;
  /**
   * Whether the node's own file log (in the data dir) holds records; false for a log on Kafka, which
   * the data dir does not hold. A function is asked only for a data dir without a marker.
   */
  readonly ownLogHasRecords: boolean | (() => Promise<boolean>);
}

/**
 * Checks the protocol marker of a data dir (reads only): a node of this version refuses a data
 * dir of an earlier protocol (DATA_DIR_OLD, whatever else it lost: its history, its snapshots)
 * and of a later one (DATA_DIR_NEWER). A data dir without a marker whose own log holds records
 * was written before markers (protocol 2 or earlier): DATA_DIR_OLD. True when the data dir is
 * marked with this protocol; false for one without a marker or records of its own, which a node
 * marks (`markDataDir`) once the rest of the data dir passed its checks (a node on Kafka keeps no
 * log here: its block history says whether the chain is older, and it is marked only after that
 * check, so a refused data dir never gets this version's marker). With `genesis`, a data dir whose
 * marker names another genesis is refused when its own log holds records (GENESIS_MISMATCH: the
 * records are another chain's, and a node would append this one's after them), and is not marked
 * for this genesis (false) when the log is empty (a network relaunched, the log wiped, the dir kept).
 * @example const marked = await checkDataDirProtocol({ dataDir, genesis: genesisHash, ownLogHasRecords: log.lastOffset() >= 0 })
 */
export async function checkDataDirProtocol({ dataDir, genesis, ownLogHasRecords }: DataDirProtocolOptions): Promise<boolean> {
  const file = join(dataDir, protocolFileName);
  const marker = await readJsonFile(
    file,
    ProtocolFile,
    (problem) =>
      new AinError(
        'BAD_CONFIG',
        `${file} does not say which protocol the data dir's chain runs (${problem.kind === 'notJson' ? 'it is not JSON' : problem.message}); it should hold {"protocol": ${dataDirProtocol}} if this ain made the chain.`,
      ),
  );
  if (marker === null) {
    if (typeof ownLogHasRecords === 'boolean' ? ownLogHasRecords : await ownLogHasRecords()) {
      // Or the marker was deleted: a data dir this version made can be told from an older one only by the operator.
      const old = oldProtocolError(dataDir, undefined);
      const marker = JSON.stringify({ protocol: dataDirProtocol, ...(genesis === undefined ? {} : { genesis }) });
      throw new AinError(
        'DATA_DIR_OLD',
        `${old.message} Unless ${file} was deleted from a data dir this version made: then write ${marker} to it again${genesis === undefined ? ' (with "genesis": the hash of the chain’s genesis)' : ''}.`,
        { details: { ...old.details, file } },
      );
    }
    return false;
  }
  if (marker.protocol < dataDirProtocol) throw oldProtocolError(dataDir, marker.protocol);
  if (marker.protocol > dataDirProtocol) {
    const made = madeBy(marker.protocol);
    throw new AinError('DATA_DIR_NEWER', `The chain in ${dataDir} was made by ${made}: run that version on it.`, { details: { made } });
  }
  if (genesis === undefined || marker.genesis === genesis) return true;
  const hasRecords = typeof ownLogHasRecords === 'boolean' ? ownLogHasRecords : await ownLogHasRecords();
  // An empty log: marked again, for this genesis (a network relaunched, the log wiped, the dir kept).
  if (!hasRecords) return false;
  // A marker from before markers named their genesis: which chain the log holds is not known here, nor written.
  if (marker.genesis === undefined) return true;
  throw new AinError(
    'GENESIS_MISMATCH',
    `The log in ${dataDir} holds the chain of genesis ${marker.genesis.slice(0, 16)}…, not of the genesis given (${genesis.slice(0, 16)}…): give that chain's genesis file, or a new --data dir for this chain.`,
    { details: { dataDir, holds: marker.genesis, given: genesis } },
  );
}

/**
 * The genesis hash a data dir's marker names (a node ran this chain there before), or undefined:
 * no marker, one from before markers named their genesis, or one unreadable (which
 * checkDataDirProtocol reports).
 */
export async function markedGenesis(dataDir: string): Promise<string | undefined> {
  try {
    return (await readJsonFile(join(dataDir, protocolFileName), ProtocolFile, () => new AinError('BAD_CONFIG', 'unreadable')))?.genesis;
  } catch {
    return undefined;
  }
}

/** Writes this version's marker in a data dir, naming the chain's genesis (atomically: a crash leaves none or the whole file). */
export async function markDataDir(dataDir: string, genesis: string): Promise<void> {
  const file = join(dataDir, protocolFileName);
  try {
    await writeFileAtomic(file, `${JSON.stringify({ protocol: dataDirProtocol, genesis })}\n`);
  } catch (cause) {
    throw new AinError(
      'BAD_CONFIG',
      `The node cannot write ${file}, which names its data dir's protocol (${(cause as NodeJS.ErrnoException).code}); it needs a data dir it can write.`,
      {
        cause,
      },
    );
  }
}
