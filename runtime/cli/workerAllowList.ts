import { workersPerRequestMax } from '../../actors/index.ts';
import { Address, AinError, type NodeReputation } from '../../schemas/index.ts';
import { UsageError } from './output.ts';

/** What `--min-rating`, `--prefer` and `--avoid` ask of a request's workers. */
export interface WorkerChoice {
  /** The least Elo rating a worker needs; absent: any rating. */
  readonly minRating?: number;
  /** Taken whatever their rating, first in the list. */
  readonly prefer: readonly string[];
  /** Never taken. */
  readonly avoid: readonly string[];
}

/** A worker the choice left out, and why. */
export interface LeftOut {
  readonly address: string;
  readonly why: string;
}

/** The request's `worker_node`, as the choice made it, with who was left out. */
export interface WorkerAllowList {
  /** Preferred first, then by rating (best first, then by address); at most the ledger's workers per request. */
  readonly workers: readonly string[];
  readonly left: readonly LeftOut[];
}

/** The job's nodes by address, as `GET /v1/jobs/<id>/reputation` serves them (the fields read here). */
export type JobNodes = Readonly<Record<string, Pick<NodeReputation, 'role' | 'status' | 'rating' | 'games'>>>;

/** Whether any of the flags was given: without them the request keeps whatever `worker_node` it has. */
export function choosesWorkers(choice: WorkerChoice): boolean {
  return choice.minRating !== undefined || choice.prefer.length > 0 || choice.avoid.length > 0;
}

/** The flags as a choice: each address checked, none both preferred and avoided. */
export function workerChoiceOf(values: { 'min-rating'?: string; prefer?: string[]; avoid?: string[] }): WorkerChoice {
  const addresses = (flag: string, list: readonly string[] = []) =>
    [...new Set(list)].map((text) => {
      if (!Address.safeParse(text).success) throw new UsageError(`--${flag} takes an address ("0x" and 40 lowercase hex characters), got "${text}".`);
      return text;
    });
  const prefer = addresses('prefer', values.prefer);
  const avoid = addresses('avoid', values.avoid);
  const both = prefer.find((a) => avoid.includes(a));
  if (both !== undefined) throw new UsageError(`${both} is both preferred and avoided; give it to one of --prefer and --avoid.`);
  const text = values['min-rating'];
  if (text !== undefined && !/^-?\d+(\.\d+)?$/.test(text)) throw new UsageError(`--min-rating takes an Elo rating, e.g. 1500, got "${text}".`);
  return { ...(text === undefined ? {} : { minRating: Number(text) }), prefer, avoid };
}

/**
 * The allow-list the choice makes among the job's approved workers: each preferred one, then each
 * other rated at least `minRating` and not avoided, best rated first; the list is cut at the most
 * workers a request takes. Throws NO_ELIGIBLE_WORKERS, naming why each worker was left out, when
 * nobody is left: a request with an empty allow-list could only be refunded.
 * @example decideWorkerAllowList(job, (await get(`/v1/jobs/${job}/reputation`)).nodes, { minRating: 1500, prefer: [], avoid: [] }).workers
 */
export function decideWorkerAllowList(job: string, nodes: JobNodes, choice: WorkerChoice): WorkerAllowList {
  const left: LeftOut[] = [];
  const preferred: string[] = [];
  const rated: { address: string; rating: number }[] = [];
  for (const address of choice.prefer) {
    const node = Object.hasOwn(nodes, address) ? nodes[address] : undefined;
    if (node?.role === 'worker' && node.status === 'approved') preferred.push(address);
    else
      left.push({
        address,
        why: `preferred, but it is ${node === undefined ? 'not a node of the job' : `${node.status ?? 'no'} ${node.role ?? 'client'}, not an approved worker`}`,
      });
  }
  for (const address of Object.keys(nodes).sort()) {
    const node = nodes[address]!;
    if (node.role !== 'worker' || node.status !== 'approved' || choice.prefer.includes(address)) continue;
    if (choice.avoid.includes(address)) left.push({ address, why: 'avoided' });
    else if (choice.minRating !== undefined && node.rating < choice.minRating)
      left.push({ address, why: `rated ${node.rating} (${node.games} games), below ${choice.minRating}` });
    else rated.push({ address, rating: node.rating });
  }
  rated.sort((a, b) => b.rating - a.rating || (a.address < b.address ? -1 : 1));
  const all = [...preferred, ...rated.map((r) => r.address)];
  for (const address of all.slice(workersPerRequestMax)) left.push({ address, why: `past the ${workersPerRequestMax} workers a request takes` });
  const workers = all.slice(0, workersPerRequestMax);
  if (workers.length === 0) {
    const why = left.length === 0 ? 'the job has no approved worker' : left.map((l) => `${l.address} ${l.why}`).join('; ');
    throw new AinError('NO_ELIGIBLE_WORKERS', `No worker of job ${job} passes --min-rating, --prefer and --avoid, so nobody could take the request: ${why}.`, {
      details: { left },
    });
  }
  return { workers, left };
}
