import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  AcceptReservationOp,
  AcceptResultOp,
  ApplyJobOp,
  ApproveNodeOp,
  BlindChallengeOp,
  BlindVerdictOp,
  ChallengeOp,
  DropOp,
  parseOrThrow,
  RegisterJobOp,
  RejectWorkerOp,
  ReserveWorkerOp,
  ResolveChallengeOp,
  RevealTestDataOp,
} from '../../schemas/index.ts';
import { testDataCommitmentOf } from '../../log/index.ts';
import { getDashboard } from '../client/index.ts';
import { binariesFile } from './binariesCommand.ts';
import { defaultNodeUrl, parseJson, wholeNumber } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';
import { parseTxVerbArgs, positionalsOf, runTxVerb, txVerbOf, withoutUndefined } from './txVerb.ts';

// The console verbs of the architecture paper's sample session (§3), one tx each, against a
// node's HTTP API. `ain requestJob` (which follows the request) is in requestJobCommand.ts.

/** The longest job specification a registerJob op holds inline (schemas/ops/jobOps.ts). */
const specCharsMax = 3072;
const roles = ['admin', 'evaluator', 'worker'];

function roleOf(verb: string, role: string | undefined): string {
  if (role === undefined || !roles.includes(role))
    throw new UsageError(`ain ${verb} needs --role ${roles.join('|')}${role === undefined ? '' : `, not "${role}"`}.`);
  return role;
}

/** The job schema: a blob reference as given, or a proto file's text if it fits inline. */
async function jobSpecification(file: string): Promise<string> {
  if (file.startsWith('blob://')) return file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`The job schema ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
  }
  if (text.length > specCharsMax) {
    throw new UsageError(
      `${file} has ${text.length} characters; a job schema inline in registerJob holds at most ${specCharsMax}. ` +
        `Upload it with "ain blob put ${file} --key KEY" and pass the blob://sha256:… it prints instead of the file.`,
    );
  }
  return text;
}

/** A JSON file a flag names, parsed; a clear error if it cannot be read or is not JSON. */
async function jsonFile(file: string | undefined, flag: string): Promise<unknown> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`${flag} ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`);
  }
  return parseJson(text, `${flag} ${file}`);
}

/** `ain registerJob SCHEMA.proto|blob://… --key FILE [--worker blob://…] [--evaluator blob://…] [--fee N] [--challenge-fee N] [--test-data FILE.json] [--binaries FILE]` */
export async function registerJobCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, {
    worker: { type: 'string' },
    evaluator: { type: 'string' },
    fee: { type: 'string' },
    'challenge-fee': { type: 'string' },
    'test-data': { type: 'string' },
    binaries: { type: 'string' },
  });
  const [file] = positionalsOf('registerJob', 'the job schema: a .proto file or a blob://sha256:… reference', positionals, 1);
  const verb = await txVerbOf('registerJob', values, context);
  const fields = {
    type: 'registerJob',
    job_specification: await jobSpecification(file!),
    worker: values.worker,
    evaluator: values.evaluator,
    fee: values.fee,
    challenge_fee: values['challenge-fee'],
    test_data: await jsonFile(values['test-data'], '--test-data'),
    binaries: values.binaries === undefined ? undefined : await binariesFile(values.binaries),
  };
  const op = parseOrThrow(RegisterJobOp, withoutUndefined(fields), 'registerJob');
  // The paper's console: "Registration complete. Job ID is 0xabcde."
  await runTxVerb(verb, op, ({ hash, height }) => `Registration complete. Job ID is ${hash} (block ${height}).`, { hashIsId: true });
}

/** `ain applyJob JOB_ID --role worker|evaluator|admin --key FILE [--test-result JSON] [--machine JSON] [--min-reward N]` */
export async function applyJobCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, {
    role: { type: 'string' },
    'test-result': { type: 'string' },
    machine: { type: 'string' },
    'min-reward': { type: 'string' },
  });
  const [job] = positionalsOf('applyJob', 'a job id (ain applyJob JOB_ID --role worker --key FILE)', positionals, 1);
  const role = roleOf('applyJob', values.role);
  const verb = await txVerbOf('applyJob', values, context);
  const testResult = values['test-result'] === undefined ? undefined : parseJson(values['test-result'], '--test-result');
  const machine = values.machine === undefined ? undefined : parseJson(values.machine, '--machine');
  const fields = { type: 'applyJob', job_id: job, role, test_result: testResult, machine, min_reward: values['min-reward'] };
  const op = parseOrThrow(ApplyJobOp, withoutUndefined(fields), 'applyJob');
  await runTxVerb(
    verb,
    op,
    ({ height }) => `${verb.key.address} applied to job ${job} as ${role} (block ${height}); an admin of the job approves it with ain approveNode.`,
  );
}

/** `ain approveNode JOB_ID NODE_ADDRESS --role worker|evaluator|admin --key FILE` */
export async function approveNodeCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { role: { type: 'string' } });
  const [job, node] = positionalsOf('approveNode', 'a job id and the address of the node to approve', positionals, 2);
  const role = roleOf('approveNode', values.role);
  const verb = await txVerbOf('approveNode', values, context);
  const op = parseOrThrow(ApproveNodeOp, { type: 'approveNode', job_id: job, node, role }, 'approveNode');
  await runTxVerb(verb, op, ({ height }) => `Approved ${node} as ${role} of job ${job} (block ${height}).`);
}

/** `ain drop JOB_ID NODE_ADDRESS --key FILE [--reason TEXT]` */
export async function dropCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { reason: { type: 'string' } });
  const [job, node] = positionalsOf('drop', 'a job id and the address of the node to drop', positionals, 2);
  const verb = await txVerbOf('drop', values, context);
  const op = parseOrThrow(DropOp, withoutUndefined({ type: 'drop', job_id: job, node, reason: values.reason }), 'drop');
  await runTxVerb(verb, op, ({ height }) => `Dropped ${node} from job ${job} (block ${height}).`);
}

/** `ain reserveWorker JOB_ID WORKER --price AIN --period-ms N --requests K --key FILE`: preemptive buying, paid now. */
export async function reserveWorkerCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { price: { type: 'string' }, 'period-ms': { type: 'string' }, requests: { type: 'string' } });
  const [job, worker] = positionalsOf('reserveWorker', 'a job id and the address of the worker to reserve', positionals, 2);
  const verb = await txVerbOf('reserveWorker', values, context);
  if (values.price === undefined) throw new UsageError('ain reserveWorker needs --price AIN: what the worker is paid for each request.');
  const fields = {
    type: 'reserveWorker',
    job_id: job,
    worker,
    price: values.price,
    period_ms: wholeNumber(values['period-ms'], 'period-ms'),
    requests: wholeNumber(values.requests, 'requests') ?? 1,
  };
  const op = parseOrThrow(ReserveWorkerOp, withoutUndefined(fields), 'reserveWorker');
  await runTxVerb(
    verb,
    op,
    ({ hash, height }) =>
      `Reserved ${worker} for ${op.requests} request(s) of job ${job} at ${op.price} AIN each for ${op.period_ms} ms (block ${height}). Reservation ID is ${hash}; it holds once the worker accepts it.`,
    { hashIsId: true },
  );
}

/** `ain acceptReservation RESERVATION_ID --key FILE`: the reserved worker agrees to its price and period. */
export async function acceptReservationCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, {});
  const [reservation] = positionalsOf('acceptReservation', 'a reservation id', positionals, 1);
  const verb = await txVerbOf('acceptReservation', values, context);
  const op = parseOrThrow(AcceptReservationOp, { type: 'acceptReservation', reservation_id: reservation }, 'acceptReservation');
  await runTxVerb(verb, op, ({ height }) => `Accepted reservation ${reservation} (block ${height}).`);
}

/** `ain commitTestData FILE.json`: a fresh salt and the commitment a requestJob's `test_commitment` carries (keep the salt to reveal). */
export async function commitTestDataCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [file] = positionalsOf('commitTestData', 'the test data: a JSON file', positionals, 1);
  const testData = await jsonFile(file, 'the test data');
  const salt = randomBytes(32).toString('hex');
  const commitment = testDataCommitmentOf(testData, salt);
  if (json) printJson({ commitment, salt });
  else process.stdout.write(`test_commitment ${commitment}\nsalt            ${salt} (keep it: revealTestData needs it)\n`);
}

/** `ain revealTestData REQUEST_ID --test-data FILE.json --salt HEX --key FILE`: after the time limit, the client shows what it committed to. */
export async function revealTestDataCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { 'test-data': { type: 'string' }, salt: { type: 'string' } });
  const [request] = positionalsOf('revealTestData', 'a request id', positionals, 1);
  const verb = await txVerbOf('revealTestData', values, context);
  if (values['test-data'] === undefined || values.salt === undefined)
    throw new UsageError('ain revealTestData needs --test-data FILE.json and --salt HEX (what ain commitTestData printed).');
  const fields = { type: 'revealTestData', request_id: request, test_data: await jsonFile(values['test-data'], '--test-data'), salt: values.salt };
  const op = parseOrThrow(RevealTestDataOp, fields, 'revealTestData');
  await runTxVerb(verb, op, ({ height }) => `Revealed request ${request}'s test data; it matches its commitment (block ${height}).`);
}

/** `ain acceptResult REQUEST_ID --key FILE`: the client takes the ranking; the request settles. */
export async function acceptResultCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, {});
  const [request] = positionalsOf('acceptResult', 'a request id', positionals, 1);
  const verb = await txVerbOf('acceptResult', values, context);
  const op = parseOrThrow(AcceptResultOp, { type: 'acceptResult', request_id: request }, 'acceptResult');
  await runTxVerb(verb, op, ({ height }) => `Accepted the result of request ${request}; it settled in block ${height}.`);
}

/** `ain challenge REQUEST_ID --key FILE [--reason TEXT]`: the client, or a worker that submitted a result, disputes the ranking (pays the job's challenge fee). */
export async function challengeCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { reason: { type: 'string' } });
  const [request] = positionalsOf('challenge', 'a request id', positionals, 1);
  const verb = await txVerbOf('challenge', values, context);
  const op = parseOrThrow(ChallengeOp, withoutUndefined({ type: 'challenge', request_id: request, reason: values.reason }), 'challenge');
  await runTxVerb(verb, op, ({ height }) => `Challenged the ranking of request ${request} (block ${height}); the evaluator's parent admin resolves it.`);
}

/** `ain rejectWorker REQUEST_ID WORKER_ADDRESS --key FILE [--reason TEXT]`: the client turns a worker away while the request runs. */
export async function rejectWorkerCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { reason: { type: 'string' } });
  const [request, worker] = positionalsOf('rejectWorker', 'a request id and the address of the worker to reject', positionals, 2);
  const verb = await txVerbOf('rejectWorker', values, context);
  const op = parseOrThrow(RejectWorkerOp, withoutUndefined({ type: 'rejectWorker', request_id: request, worker, reason: values.reason }), 'rejectWorker');
  await runTxVerb(verb, op, ({ height }) => `Rejected ${worker} as a worker on request ${request} (block ${height}); its result, if any, is set aside.`);
}

/** `--uphold` or `--reject`, exactly one of them. */
function upholdOf(verb: string, values: { uphold?: boolean; reject?: boolean }, meaning: string): boolean {
  if (values.uphold === values.reject) throw new UsageError(`ain ${verb} needs exactly one of --uphold or --reject (${meaning}).`);
  return values.uphold === true;
}

/** `ain resolveChallenge REQUEST_ID --uphold [--ranking ADDR,ADDR…]|--reject --key FILE` */
export async function resolveChallengeCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { uphold: { type: 'boolean' }, reject: { type: 'boolean' }, ranking: { type: 'string' } });
  const [request] = positionalsOf('resolveChallenge', 'a request id and --uphold or --reject', positionals, 1);
  const uphold = upholdOf(
    'resolveChallenge',
    values,
    "--uphold refunds the client, or with a worker's challenge re-ranks by --ranking; --reject keeps the ranking",
  );
  const ranking = values.ranking?.split(',').map((a) => a.trim());
  const verb = await txVerbOf('resolveChallenge', values, context);
  const op = parseOrThrow(ResolveChallengeOp, withoutUndefined({ type: 'resolveChallenge', request_id: request, uphold, ranking }), 'resolveChallenge');
  const outcome = !uphold
    ? 'rejected: the ranking stands'
    : ranking === undefined
      ? 'upheld: the client is refunded'
      : `upheld: re-ranked ${ranking.join(', ')}, the evaluator's deposit to the worker who challenged`;
  await runTxVerb(verb, op, ({ height }) => `The challenge on request ${request} is ${outcome} (block ${height}).`);
}

/** `ain blindChallenge REQUEST_ID --reward N [--quorum N] [--reason TEXT] --key FILE`: the client asks the admins outside the evaluator's branch to judge. */
export async function blindChallengeCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { reward: { type: 'string' }, quorum: { type: 'string' }, reason: { type: 'string' } });
  const [request] = positionalsOf('blindChallenge', 'a request id and --reward N', positionals, 1);
  if (values.reward === undefined)
    throw new UsageError('ain blindChallenge needs --reward N: the AIN it locks for the admins whose verdict agrees with the outcome.');
  const verb = await txVerbOf('blindChallenge', values, context);
  const fields = { type: 'blindChallenge', request_id: request, reward: values.reward, quorum: wholeNumber(values.quorum, 'quorum'), reason: values.reason };
  const op = parseOrThrow(BlindChallengeOp, withoutUndefined(fields), 'blindChallenge');
  await runTxVerb(
    verb,
    op,
    ({ height }) =>
      `Challenged the ranking of request ${request} blind, for a reward of ${values.reward} AIN (block ${height}); the job's admins outside the evaluator's branch give their verdicts with ain blindVerdict.`,
  );
}

/** `ain blindVerdict REQUEST_ID --uphold|--reject [--reason TEXT] --key FILE`: an eligible admin's verdict on a blind challenge. */
export async function blindVerdictCommand(args: string[], context: CommandContext): Promise<void> {
  const { values, positionals } = parseTxVerbArgs(args, { uphold: { type: 'boolean' }, reject: { type: 'boolean' }, reason: { type: 'string' } });
  const [request] = positionalsOf('blindVerdict', 'a request id and --uphold or --reject', positionals, 1);
  const uphold = upholdOf('blindVerdict', values, '--uphold says the ranking is wrong, --reject that it stands');
  const verb = await txVerbOf('blindVerdict', values, context);
  const op = parseOrThrow(BlindVerdictOp, withoutUndefined({ type: 'blindVerdict', request_id: request, uphold, reason: values.reason }), 'blindVerdict');
  await runTxVerb(
    verb,
    op,
    ({ height }) => `${verb.key.address} ${uphold ? 'upholds' : 'rejects'} the blind challenge of request ${request} (block ${height}).`,
  );
}

/** `ain stats JOB_ID [--node URL]`: the paper's "3 evaluators, 100 workers running"; `--json` the dashboard. */
export async function statsCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { node: { type: 'string', default: defaultNodeUrl } } });
  const [job] = positionalsOf('stats', 'a job id', positionals, 1);
  const answer = await getDashboard({ url: values.node }, { job: job! });
  if (json) printJson(answer);
  else process.stdout.write(`${answer.stats}\n`);
}
