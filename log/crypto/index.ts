export { canonicalBytes, canonicalJson } from './canonicalJson.ts';
export {
  ed25519Verifier,
  Ed25519PublicKey,
  forceNodeCryptoEnv,
  loadSodium,
  signatureVerifier,
  verifyEd25519,
  type SignatureVerifier,
  type Sodium,
} from './ed25519.ts';
export { sha256, sha256Hex } from './hash.ts';
export { addressOf, generateKeyPair, keyPairFromSeed, privateKeyObject, publicKeyObject, type KeyPair } from './keys.ts';
export {
  merkleProof,
  merkleRoot,
  merkleRootOfDigests,
  merkleRootOfTextDigests,
  merkleTree,
  recordsRootOf,
  verifyMerkleProof,
  type MerkleProof,
  type MerkleTree,
} from './merkle.ts';
export { checkMerkleProof, outcomeLeafOf, rootFromProof, verifyTxProof, type TxInclusionProof, type TxProofProblem, type TxRoots } from './verifyTxProof.ts';
export { signedBytesOf, signTx, txHashOf, withSig, type SignTxParameters } from './signTx.ts';
export { checkConsensusSignature, checkPeerClaim, consensusSignedBytesOf, signPeerClaim, signProposal, signVote } from './signConsensus.ts';
export { binariesProblem, programHashOf, signBinaries, testDataCommitmentOf, type ProgramFiles } from './signBinaries.ts';
