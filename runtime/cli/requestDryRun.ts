import { AinError, type OpOf } from '../../schemas/index.ts';
import { explainJob, getJobOrRequest, getAccount } from '../client/index.ts';
import { parseJobSchema } from '../exec/index.ts';

/** What a request would lock and find, as `ain requestJob --dry-run` prints it; nothing is signed or sent. */
export interface RequestDryRun {
  readonly job: string;
  readonly client: string;
  /** The job's input against the request message of the schema's Worker service, or why it was not checked. */
  readonly input: { readonly checked: true; readonly against: string } | { readonly checked: false; readonly why: string };
  readonly reward: { readonly evaluator: string; readonly workers: string; readonly function: string };
  readonly fee: string;
  /** What a challenge of the ranking would lock besides. */
  readonly challengeFee: string;
  /** The reward, the fee and any bandwidth lock: what requestJob moves into escrow. */
  readonly locked: string;
  readonly balance: string;
  readonly balanceAfter: string;
  readonly evaluators: { readonly eligible: number; readonly approved: number };
  readonly workers: { readonly eligible: number; readonly approved: number };
}

/** The job input against each rpc of the Worker service: the first it fits, or the problem with the first. */
function checkInput(proto: string, input: unknown): RequestDryRun['input'] & { problem?: string } {
  const schema = parseJobSchema(proto);
  const rpcs = schema.rpcsOf('Worker');
  if (rpcs.length === 0) return { checked: false, why: 'the job schema has no service Worker' };
  let first: string | undefined;
  for (const name of rpcs) {
    const rpc = schema.rpc('Worker', name);
    const problem = rpc.checkRequest(input);
    if (problem === undefined) return { checked: true, against: `${rpc.requestType.name} (Worker.${name})` };
    first ??= `The job input does not match ${rpc.requestType.name}, the request of Worker.${name}: ${problem}.`;
  }
  return { checked: true, against: 'Worker', problem: first };
}

/**
 * Reads what `op` would come to for `client` without signing or sending it: the input checked
 * against the job schema, what it locks (reward, fee, bandwidth) beside the balance, and the evaluators and
 * workers eligible now. Throws the code the ledger would refuse it with (BAD_JOB_REQUEST,
 * INSUFFICIENT_FUNDS, UNKNOWN_JOB), after `say` has printed what was found.
 */
export async function requestDryRun(nodeUrl: string, client: string, op: OpOf<'requestJob'>, say: (line: string) => void): Promise<RequestDryRun> {
  const view = await getJobOrRequest({ url: nodeUrl }, { id: op.job_id });
  if (view.kind !== 'job') throw new AinError('UNKNOWN_JOB', `${op.job_id} is a job request, not a job: requestJob names the job.`);
  const spec = view.spec.job_specification;
  const input = spec.startsWith('blob://') ? { checked: false as const, why: `the job schema is in Big Storage (${spec})` } : checkInput(spec, op.job_input);
  const [account, explained] = await Promise.all([getAccount({ url: nodeUrl }, { address: client }), explainJob({ url: nodeUrl }, { id: op.job_id })]);
  const fee = view.spec.fee ?? '0';
  const bandwidth = op.bandwidth ?? '0';
  const locked = BigInt(op.reward[0]) + BigInt(op.reward[1]) + BigInt(fee) + BigInt(bandwidth);
  const result: RequestDryRun = {
    job: op.job_id,
    client,
    input: input.checked ? { checked: true, against: input.against } : input,
    reward: { evaluator: op.reward[0], workers: op.reward[1], function: op.reward_function ?? 'winnerOnly' },
    fee,
    challengeFee: view.spec.challenge_fee ?? '0',
    locked: locked.toString(),
    balance: account.balance,
    balanceAfter: (BigInt(account.balance) - locked).toString(),
    evaluators: { eligible: explained.evaluators.counts.eligible, approved: explained.evaluators.counts.approved },
    workers: { eligible: explained.workers.counts.eligible, approved: explained.workers.counts.approved },
  };
  say('Dry run: nothing was signed or sent.');
  say(
    `  input: ${input.checked ? (input.problem === undefined ? `matches ${input.against}` : 'does not match the job schema') : `not checked (${input.why})`}`,
  );
  say(
    `  locks ${result.locked} AIN: reward ${result.reward.evaluator} for the evaluator and ${result.reward.workers} for the workers (${result.reward.function}), fee ${fee}${bandwidth === '0' ? '' : `, ${bandwidth} for its agents' bandwidth (back when it ends)`}; a challenge would lock ${result.challengeFee} more`,
  );
  say(`  balance ${result.balance} AIN, ${result.balanceAfter} after the request`);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  say(
    `  eligible now: ${count(result.evaluators.eligible, 'evaluator')} (of ${result.evaluators.approved} approved), ${count(result.workers.eligible, 'worker')} (of ${result.workers.approved} approved)`,
  );
  if (op.skip_evaluation !== true && result.evaluators.eligible === 0)
    say('  no evaluator could take it now: it would wait, and be refunded if none comes in time');
  if (result.workers.eligible === 0) say('  no worker could take it now: it would wait, and be refunded if none comes in time');
  if (input.checked && input.problem !== undefined) throw new AinError('BAD_JOB_REQUEST', input.problem);
  if (locked > BigInt(account.balance)) {
    throw new AinError('INSUFFICIENT_FUNDS', `${client} holds ${account.balance} AIN, less than the ${locked} AIN of rewards and fee this request locks.`);
  }
  return result;
}
