/**
 * The V8 flags a node process runs with, given before the script by whatever starts one: `ain up`
 * for its validators, the node image's entrypoint, bin/ain.js's `#!` line (a node started by hand),
 * `npm start`, and the tests' and bench's harnesses. V8 sizes the young generation when an
 * isolate starts, from the process's flags, so a node cannot set this for itself; `ain node`
 * says at start which of them its process lacks.
 *
 * Semi-spaces of 64 MiB (V8's default on 64-bit is 16): under load a validator allocates ~25 KB
 * a tx on its main thread, and its txs live from gossip to their block, about a second. With
 * 16 MiB they outlived two scavenges and were promoted, to be marked and swept by the old
 * generation's collector; with 64 they mostly die young. Measured (docs/benchmarks.md, "A larger
 * young generation"): four validators' sustained rate +10%, +6% after later trims of the
 * allocation; 128 MiB gave no more. The flag holds for every isolate of the process, the verify
 * threads' too. It costs memory: a validator under the bench's load peaked at 701–769 MB of RSS
 * against 585–622 MB without it.
 */
export const nodeProcessFlags: readonly string[] = ['--max-semi-space-size=64'];
