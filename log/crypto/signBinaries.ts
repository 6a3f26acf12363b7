import { sign } from 'node:crypto';
import type { Binaries } from '../../schemas/index.ts';
import { canonicalBytes } from './canonicalJson.ts';
import { Ed25519PublicKey, verifyEd25519 } from './ed25519.ts';
import { sha256Hex } from './hash.ts';
import { addressOf, signingKeyObject, type KeyPair } from './keys.ts';

/** A program as an execution runtime runs it: a command, its arguments and the files beside it. */
export interface ProgramFiles {
  readonly command: string;
  readonly args: readonly string[];
  readonly files: Readonly<Record<string, string | Uint8Array>>;
}

/**
 * A program's hash, what a job's binaries name: lowercase hex SHA-256 of the RFC 8785 JSON of
 * `{ command, args, files }` with each file as the SHA-256 hex of its bytes (text as UTF-8). The
 * same program in any order of its files hashes the same.
 * @example programHashOf({ command: 'node', args: ['worker.js'], files: { 'worker.js': code } })
 */
export function programHashOf({ command, args, files }: ProgramFiles): string {
  const hashes = Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, sha256Hex(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)]),
  );
  return sha256Hex(canonicalBytes({ command, args: [...args], files: hashes }));
}

/** What a binaries signature covers: its fields without `sig`, with the chain and `kind: "binaries"` (no tx or vote has that shape). */
function signedBinariesBytes(chain: string, binaries: Omit<Binaries, 'sig'>): Buffer {
  const { repository, version, worker, evaluator, pub } = binaries;
  return canonicalBytes({ kind: 'binaries', chain, repository, version, worker, evaluator, pub });
}

/**
 * The admin's signature over a job's binaries for `chain`.
 * @example signBinaries(admin, 'ain-local', { repository: 'https://github.com/x/y', version: 1, worker, evaluator })
 */
export function signBinaries(key: KeyPair, chain: string, binaries: Omit<Binaries, 'sig' | 'pub'>): Binaries {
  const unsigned = { ...binaries, pub: key.publicKey };
  const sig = sign(null, signedBinariesBytes(chain, unsigned), signingKeyObject(key)).toString('hex');
  return { repository: binaries.repository, version: binaries.version, worker: binaries.worker, evaluator: binaries.evaluator, pub: key.publicKey, sig };
}

/**
 * Why a job's binaries are not `admin`'s signature for `chain`, or null when they are: the key they
 * name must be the admin's, and the signature must verify. Pure: the same answer on every node.
 * @example const problem = binariesProblem(op.binaries, 'ain-local', admin)
 */
export function binariesProblem(binaries: Binaries, chain: string, admin: string): string | null {
  if (addressOf(binaries.pub) !== admin) return `the binaries are signed by ${addressOf(binaries.pub)}, not by the job's admin ${admin}`;
  const { sig, ...unsigned } = binaries;
  const good = verifyEd25519(signedBinariesBytes(chain, unsigned), Buffer.from(sig, 'hex'), new Ed25519PublicKey(Buffer.from(binaries.pub, 'hex')));
  return good ? null : `the binaries' signature does not verify for chain ${chain}: sign them again with signBinaries (ain binaries sign)`;
}

/**
 * What a request commits to about its test data (`test_commitment`): lowercase hex SHA-256 of the
 * RFC 8785 JSON of `{ salt, test_data }`, the salt 32 random bytes as hex.
 * @example testDataCommitmentOf(testData, randomBytes(32).toString('hex'))
 */
export function testDataCommitmentOf(testData: unknown, salt: string): string {
  return sha256Hex(canonicalBytes({ salt, test_data: testData }));
}
