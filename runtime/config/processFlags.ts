/**
 * The V8 flags a node process runs with, given before the script by whatever starts one: `ain up`
 * for its validators, the node image's entrypoint, bin/ain.js's `#!` line (a node started by hand),
 * `npm start`, and the tests' and bench's harnesses. V8 sizes the young generation when the
 * process starts, so a node cannot set this for itself.
 *
 * Semi-spaces of 64 MiB (V8's default on 64-bit is 16): under load a validator allocates ~25 KB
 * a tx, and its txs live from gossip to their block, about a second. With 16 MiB they outlived
 * two scavenges and were promoted, to be marked and swept by the old generation's collector; with
 * 64 they mostly die young. Measured (docs/benchmarks.md, "A larger young generation"): four
 * validators' sustained rate +10%; 128 MiB gave no more. It costs at most ~200 MB more memory a
 * node, taken only as its load needs it.
 */
export const nodeProcessFlags: readonly string[] = ['--max-semi-space-size=64'];
