import test from 'ava';
import { binaryVersions, readBinaries, readRequest } from '../../../actors/index.ts';
import { programHashOf, signBinaries, binariesProblem } from '../../../log/index.ts';
import type { Binaries } from '../../../schemas/index.ts';
import { admin, client, evaluator, newChain, one, schemaText, stranger, w1, w2, w3 } from './jobWorld.ts';

// The Binary Manager: a job's admin signs the programs' hashes and repository; publishBinaries puts
// a newer version in force; each result names the version its worker ran.

const worker = programHashOf({ command: 'node', args: ['worker.js'], files: { 'worker.js': 'console.log(1)' } });
const evaluatorProgram = programHashOf({ command: 'node', args: ['evaluator.js'], files: { 'evaluator.js': 'console.log(2)' } });
const repository = 'https://github.com/ainblockchain/ain-root';
const signed = (version: number, by = admin, chain = 'ain-test'): Binaries =>
  signBinaries(by, chain, { repository, version, worker, evaluator: evaluatorProgram });

test('a program hash covers the command, the arguments and every file’s bytes, not the files’ order', (t) => {
  const base = { command: 'node', args: ['worker.js'], files: { 'a.js': 'a', 'b.js': 'b' } };
  t.is(programHashOf(base), programHashOf({ ...base, files: { 'b.js': 'b', 'a.js': 'a' } }));
  t.not(programHashOf(base), programHashOf({ ...base, files: { 'a.js': 'a', 'b.js': 'B' } }));
  t.not(programHashOf(base), programHashOf({ ...base, args: ['other.js'] }));
  t.is(programHashOf(base), programHashOf({ ...base, files: { 'a.js': Buffer.from('a'), 'b.js': 'b' } }), 'text as UTF-8 bytes');
});

test('the binaries verify for their chain and their signer only', (t) => {
  t.is(binariesProblem(signed(1), 'ain-test', admin.address), null);
  t.regex(binariesProblem(signed(1), 'other', admin.address)!, /does not verify for chain other/);
  t.regex(binariesProblem(signed(1, stranger), 'ain-test', admin.address)!, /signed by 0x[0-9a-f]{40}, not by the job's admin/);
  t.regex(binariesProblem({ ...signed(1), version: 2 }, 'ain-test', admin.address)!, /does not verify/, 'a field changed after signing');
});

test('given a job registered with binaries, when its admin publishes version 2, then 2 is in force and both are kept', (t) => {
  const chain = newChain();
  const { id: job, code } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, binaries: signed(1) });
  t.is(code, 'ok');
  t.deepEqual(readBinaries(chain.ledger.tree, job), signed(1));
  t.like(chain.blocks.at(-1)!.jobEvents[0], { type: 'jobRegistered', binaryVersion: 1 });
  const published = one(chain, admin, { type: 'publishBinaries', job_id: job, binaries: signed(2) });
  t.is(published.code, 'ok');
  t.like(published.block.jobEvents[0], { type: 'binariesPublished', job, admin: admin.address, version: 2, repository, worker });
  t.deepEqual(binaryVersions(chain.ledger.tree, job), [1, 2]);
  t.is(readBinaries(chain.ledger.tree, job)!.version, 2);
  t.is(readBinaries(chain.ledger.tree, job, 1)!.version, 1);
  t.is(chain.chain.readModels.dashboard.jobs[job]!.binaryVersion, 2, 'the dashboard shows the version in force');
});

test('refusals: binaries signed by another key or for another chain, an older version, a publisher who is not the admin', (t) => {
  const chain = newChain();
  t.is(one(chain, admin, { type: 'registerJob', job_specification: schemaText, binaries: signed(1, stranger) }).code, 'BAD_BINARIES');
  t.is(one(chain, admin, { type: 'registerJob', job_specification: schemaText, binaries: signed(1, admin, 'other') }).code, 'BAD_BINARIES');
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, binaries: signed(3) });
  t.is(one(chain, admin, { type: 'publishBinaries', job_id: job, binaries: signed(3) }).code, 'BAD_BINARY_VERSION');
  t.is(one(chain, stranger, { type: 'publishBinaries', job_id: job, binaries: signed(4, stranger) }).code, 'NOT_ALLOWED');
  t.is(one(chain, admin, { type: 'publishBinaries', job_id: '0'.repeat(64), binaries: signed(4) }).code, 'UNKNOWN_JOB');
  t.deepEqual(binaryVersions(chain.ledger.tree, job), [3]);
});

test('a result names a version its job published; it is kept with the worker; a job without binaries takes none', (t) => {
  const chain = newChain();
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText, fee: '1', binaries: signed(1) });
  for (const [who, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
    [w3, 'worker'],
  ] as const) {
    one(chain, who, { type: 'applyJob', job_id: job, role });
    one(chain, admin, { type: 'approveNode', job_id: job, node: who.address, role });
  }
  one(chain, admin, { type: 'publishBinaries', job_id: job, binaries: signed(2) });
  const { id: request } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  for (const w of [w1, w2, w3]) one(chain, w, { type: 'acceptJob', request_id: request, role: 'worker' });
  t.is(one(chain, w1, { type: 'submitResult', request_id: request, result: { x: 2 } }).code, 'BAD_BINARY_VERSION', 'no version named');
  t.is(one(chain, w1, { type: 'submitResult', request_id: request, result: { x: 2 }, version: 5 }).code, 'BAD_BINARY_VERSION', 'never published');
  const ran = one(chain, w1, { type: 'submitResult', request_id: request, result: { x: 2 }, version: 2 });
  t.is(ran.code, 'ok');
  t.like(ran.block.jobEvents[0], { type: 'submitted', node: w1.address, version: 2 });
  t.is(
    one(chain, w2, { type: 'submitResult', request_id: request, result: { x: 2 }, version: 1 }).code,
    'BAD_BINARY_VERSION',
    'v2 was in force when w2 accepted: v1 is withdrawn',
  );
  t.is(one(chain, w2, { type: 'submitResult', request_id: request, result: { x: 2 }, version: 2 }).code, 'ok');
  t.is(readRequest(chain.ledger.tree, request)!.context.workers[w1.address]!.version, 2);

  const { id: plain } = one(chain, admin, { type: 'registerJob', job_specification: schemaText });
  t.deepEqual(binaryVersions(chain.ledger.tree, plain), []);
  t.is(readBinaries(chain.ledger.tree, plain), null);
  one(chain, w1, { type: 'applyJob', job_id: plain, role: 'worker' });
  one(chain, admin, { type: 'approveNode', job_id: plain, node: w1.address, role: 'worker' });
  const { id: other } = one(chain, client, {
    type: 'requestJob',
    job_id: plain,
    job_input: { y: 4 },
    reward: ['0', '10'],
    time_limit: 60_000,
    skip_evaluation: true,
    worker_node: [w1.address],
  });
  one(chain, w1, { type: 'acceptJob', request_id: other, role: 'worker' });
  t.is(one(chain, w1, { type: 'submitResult', request_id: other, result: { x: 2 }, version: 1 }).code, 'BAD_BINARY_VERSION', 'a job without binaries');
});

test('work begun under an older version (or before any) still counts after a newer one is published', (t) => {
  const chain = newChain();
  const { id: job } = one(chain, admin, { type: 'registerJob', job_specification: schemaText });
  for (const [who, role] of [
    [evaluator, 'evaluator'],
    [w1, 'worker'],
    [w2, 'worker'],
  ] as const) {
    one(chain, who, { type: 'applyJob', job_id: job, role });
    one(chain, admin, { type: 'approveNode', job_id: job, node: who.address, role });
  }
  const { id: request } = one(chain, client, { type: 'requestJob', job_id: job, job_input: { y: 4 }, reward: ['10', '10'], time_limit: 60_000 });
  one(chain, evaluator, { type: 'acceptJob', request_id: request, role: 'evaluator', deposit: '20' });
  one(chain, w1, { type: 'acceptJob', request_id: request, role: 'worker' });
  // The job's first binaries come while w1 runs: its result may name none.
  one(chain, admin, { type: 'publishBinaries', job_id: job, binaries: signed(1) });
  one(chain, w2, { type: 'acceptJob', request_id: request, role: 'worker' });
  one(chain, admin, { type: 'publishBinaries', job_id: job, binaries: signed(2) });
  t.is(one(chain, w1, { type: 'submitResult', request_id: request, result: { x: 2 } }).code, 'ok', 'accepted before any binaries');
  t.is(one(chain, w2, { type: 'submitResult', request_id: request, result: { x: 2 }, version: 1 }).code, 'ok', 'v1 was in force when w2 accepted');
});
