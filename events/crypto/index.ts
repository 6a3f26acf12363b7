export { canonicalBytes, canonicalJson } from './canonicalJson.ts';
export { Ed25519PublicKey, verifyEd25519 } from './ed25519.ts';
export { sha256, sha256Hex } from './hash.ts';
export { addressOf, generateKeyPair, keyPairFromSeed, privateKeyObject, publicKeyObject, type KeyPair } from './keys.ts';
export { merkleProof, merkleRoot, merkleRootOfDigests, verifyMerkleProof, type MerkleProof } from './merkle.ts';
export { signedBytesOf, signTx, txHashOf, withSig, type SignTxParameters } from './signTx.ts';
