// Prints, as JSON, this process's verifier and the roots merkle.test.ts sends it (one JSON line on
// standard input: lists of hex hashes): run under AIN_VERIFIER=node:crypto, the roots of the
// fallback without libsodium, for the test to compare with the reference.
import { merkleRoot, merkleRootOfDigests } from '../../../log/crypto/index.ts';
import { signatureVerifier, sodiumOrNull } from '../../../log/crypto/ed25519.ts';

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const lists = JSON.parse(input) as string[][];
const roots = lists.map((hexes) => ({
  root: merkleRoot(hexes),
  ofDigests: hexes.every((hex) => /^[0-9a-f]{64}$/.test(hex)) ? merkleRootOfDigests(hexes.map((hex) => Buffer.from(hex, 'hex'))) : null,
}));
process.stdout.write(JSON.stringify({ verifier: signatureVerifier().name, sodium: sodiumOrNull() !== null, roots }));
