import test from 'ava';
import { decideWorkerAllowList, workerChoiceOf, type JobNodes } from '../../../runtime/cli/workerAllowList.ts';
import { UsageError } from '../../../runtime/cli/output.ts';
import { isAinError } from '../../../schemas/index.ts';

// Given a job's reputation (as GET /v1/jobs/<id>/reputation serves it), when --min-rating,
// --prefer and --avoid choose, then this allow-list, or NO_ELIGIBLE_WORKERS naming why.

const job = 'a'.repeat(64);
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const worker = (rating: number, status: 'approved' | 'applied' | 'dropped' = 'approved') => ({ role: 'worker' as const, status, rating, games: 3 });
const nodes: JobNodes = {
  [addr(1)]: worker(1600),
  [addr(2)]: worker(1450),
  [addr(3)]: worker(1520),
  [addr(4)]: worker(1700, 'dropped'),
  [addr(5)]: { role: 'evaluator', status: 'approved', rating: 1500, games: 0 },
  [addr(6)]: worker(1500, 'applied'),
};

test('without a choice every approved worker is allowed, best rated first; evaluators, dropped and applied nodes are not', (t) => {
  t.deepEqual(decideWorkerAllowList(job, nodes, { prefer: [], avoid: [] }).workers, [addr(1), addr(3), addr(2)]);
});

test('--min-rating keeps the workers rated at least R and says why the others were left out', (t) => {
  const list = decideWorkerAllowList(job, nodes, { minRating: 1500, prefer: [], avoid: [] });
  t.deepEqual(list.workers, [addr(1), addr(3)]);
  t.deepEqual(list.left, [{ address: addr(2), why: 'rated 1450 (3 games), below 1500' }]);
});

test('--prefer puts a worker first whatever its rating; --avoid leaves one out', (t) => {
  const list = decideWorkerAllowList(job, nodes, { minRating: 1500, prefer: [addr(2)], avoid: [addr(1)] });
  t.deepEqual(list.workers, [addr(2), addr(3)]);
  t.deepEqual(list.left, [{ address: addr(1), why: 'avoided' }]);
});

test('a preferred address that is no approved worker of the job is left out, saying so', (t) => {
  const list = decideWorkerAllowList(job, nodes, { prefer: [addr(4), addr(9)], avoid: [] });
  t.deepEqual(list.workers, [addr(1), addr(3), addr(2)]);
  t.deepEqual(
    list.left.map((l) => l.why),
    ['preferred, but it is dropped worker, not an approved worker', 'preferred, but it is not a node of the job'],
  );
});

test('an empty list is NO_ELIGIBLE_WORKERS, naming each worker and why it was left out', (t) => {
  const error = t.throws(() => decideWorkerAllowList(job, nodes, { minRating: 1650, prefer: [], avoid: [addr(1)] }));
  t.true(isAinError(error, 'NO_ELIGIBLE_WORKERS'));
  t.regex(error!.message, new RegExp(`${addr(1)} avoided; ${addr(2)} rated 1450 \\(3 games\\), below 1650; ${addr(3)} rated 1520`));
  const none = t.throws(() => decideWorkerAllowList(job, {}, { minRating: 0, prefer: [], avoid: [] }));
  t.regex(none!.message, /the job has no approved worker/);
});

test('the list is cut at the 64 workers a request takes, preferred ones kept', (t) => {
  const many: JobNodes = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [addr(100 + i), worker(1500 + i)]));
  const list = decideWorkerAllowList(job, many, { prefer: [addr(100)], avoid: [] });
  t.is(list.workers.length, 64);
  t.is(list.workers[0], addr(100));
  t.is(list.workers[1], addr(169));
  t.is(list.left.length, 6);
});

test('the flags are checked: addresses, a rating, nobody both preferred and avoided', (t) => {
  t.deepEqual(workerChoiceOf({ 'min-rating': '1500.5', prefer: [addr(1), addr(1)] }), { minRating: 1500.5, prefer: [addr(1)], avoid: [] });
  t.throws(() => workerChoiceOf({ prefer: ['0xABC'] }), { instanceOf: UsageError, message: /--prefer takes an address/ });
  t.throws(() => workerChoiceOf({ 'min-rating': 'high' }), { instanceOf: UsageError, message: /--min-rating takes an Elo rating/ });
  t.throws(() => workerChoiceOf({ prefer: [addr(1)], avoid: [addr(1)] }), { instanceOf: UsageError, message: /both preferred and avoided/ });
});
