import { lockEscrow, ok, payFromEscrow, readBalance, refuse, type JobEvent, type StateTree } from '../../projections/index.ts';
import type { OpOf } from '../../schemas/index.ts';
import { readJobSchema, short, unknownJob, type JobOpContext, type JobOpResult } from './jobSchemaRecord.ts';
import { jobPaths, readJson, writeJson } from './jobStore.ts';
import { isApproved } from './nodeOps.ts';

// Preemptive buying (the white paper's FAQ): a client reserves a worker's work on a job at a fixed
// price for a fixed period, paying in advance into escrow; the requests it makes against the
// reservation go to that worker at that price; what is not spent returns when the period ends.

/** A reservation as the ledger keeps it at `/jobs/reservations/<id>` (the id: its reserveWorker tx hash). */
export interface WorkerReservation {
  readonly job: string;
  readonly client: string;
  readonly worker: string;
  /** AIN, decimal: each request's workers' pool. */
  readonly price: string;
  /** Requests it still pays for. */
  readonly requestsLeft: number;
  readonly madeAt: number;
  /** Block time its period ends: requests after it may not name it, and what is left goes back. */
  readonly until: number;
  readonly accepted: boolean;
}

export function readReservation(tree: StateTree, id: string): WorkerReservation | null {
  return readJson<WorkerReservation>(tree, jobPaths.reservation(id));
}

/** `reserveWorker`: the client locks price × requests for an approved worker of the job. */
export function applyReserveWorker(ctx: JobOpContext, op: OpOf<'reserveWorker'>): JobOpResult {
  const { tree, from, hash: id, time, height } = ctx;
  if (readJobSchema(tree, op.job_id) === null) return unknownJob(op.job_id);
  if (!isApproved(tree, op.job_id, op.worker, 'worker')) {
    return { outcome: refuse('NOT_APPROVED', `${op.worker} is not an approved worker of job ${short(op.job_id)}; reserve one of its approved workers.`) };
  }
  if (op.worker === from) return { outcome: refuse('INVALID_JOB_REQUEST', 'A worker cannot reserve itself.') };
  if (op.period_ms > ctx.windows.maxTimeLimitMs) {
    return {
      outcome: refuse('INVALID_JOB_REQUEST', `period_ms ${op.period_ms} is longer than this chain allows a request to run (${ctx.windows.maxTimeLimitMs} ms).`),
    };
  }
  const locked = BigInt(op.price) * BigInt(op.requests);
  if (locked === 0n) return { outcome: refuse('INVALID_JOB_REQUEST', 'A reservation pays its worker something: price must be above 0 AIN.') };
  const balance = readBalance(tree, from);
  if (balance < locked) {
    return {
      outcome: refuse('INSUFFICIENT_FUNDS', `${from} holds ${balance} AIN, less than the ${locked} AIN (${op.requests} × ${op.price}) this reservation locks.`),
    };
  }
  const until = time + op.period_ms;
  const reservation: WorkerReservation = {
    job: op.job_id,
    client: from,
    worker: op.worker,
    price: op.price,
    requestsLeft: op.requests,
    madeAt: time,
    until,
    accepted: false,
  };
  lockEscrow(tree, from, locked);
  writeJson(tree, jobPaths.reservation(id), reservation);
  tree.writeSystem(jobPaths.reservationEnd(until, id), true);
  const event: JobEvent = {
    type: 'reserved',
    job: op.job_id,
    reservation: id,
    client: from,
    worker: op.worker,
    price: op.price,
    requests: op.requests,
    until,
    locked: locked.toString(),
    time,
    height,
  };
  return { outcome: ok, events: [event] };
}

/** `acceptReservation`: the reserved worker agrees, before the period ends. */
export function applyAcceptReservation(ctx: JobOpContext, op: OpOf<'acceptReservation'>): JobOpResult {
  const { tree, from, time, height } = ctx;
  const reservation = readReservation(tree, op.reservation_id);
  if (reservation === null) return { outcome: refuse('UNKNOWN_JOB', `No reservation ${short(op.reservation_id)} is open on this chain.`) };
  if (reservation.worker !== from) {
    return { outcome: refuse('NOT_ALLOWED', `Reservation ${short(op.reservation_id)} is for ${reservation.worker}; only that worker accepts it.`) };
  }
  if (reservation.accepted) return { outcome: refuse('ILLEGAL_TRANSITION', `Reservation ${short(op.reservation_id)} is already accepted.`) };
  writeJson(tree, jobPaths.reservation(op.reservation_id), { ...reservation, accepted: true });
  const event: JobEvent = {
    type: 'reservationAccepted',
    job: reservation.job,
    reservation: op.reservation_id,
    client: reservation.client,
    worker: from,
    time,
    height,
  };
  return { outcome: ok, events: [event] };
}

/**
 * Why a requestJob may not name `id` (INVALID_JOB_REQUEST with a sentence), or the reservation it
 * draws on: the client's own, for the same job, accepted, in its period, with a request left, the
 * workers' pool its price, its worker the only one allowed.
 */
export function reservationFor(
  tree: StateTree,
  id: string,
  request: { readonly from: string; readonly job: string; readonly pool: string; readonly workers: readonly string[] | undefined; readonly time: number },
): { readonly reservation: WorkerReservation } | { readonly refusal: JobOpResult } {
  const invalid = (why: string) => ({ refusal: { outcome: refuse('INVALID_JOB_REQUEST', `Reservation ${short(id)}: ${why}`) } });
  const reservation = readReservation(tree, id);
  if (reservation === null) return invalid('no such reservation is open on this chain.');
  if (reservation.client !== request.from) return invalid(`it is ${reservation.client}'s; only its client makes requests against it.`);
  if (reservation.job !== request.job) return invalid(`it is for job ${short(reservation.job)}, not ${short(request.job)}.`);
  if (!reservation.accepted) return invalid(`${reservation.worker} has not accepted it yet (acceptReservation).`);
  if (request.time >= reservation.until) return invalid(`its period ended at block time ${reservation.until}.`);
  if (reservation.requestsLeft === 0) return invalid('it paid for all its requests already.');
  if (request.pool !== reservation.price)
    return invalid(`the workers' pool of a reserved request is its price, ${reservation.price} AIN: reward [evaluator, "${reservation.price}"].`);
  if (request.workers !== undefined && (request.workers.length !== 1 || request.workers[0] !== reservation.worker)) {
    return invalid(`its requests go to ${reservation.worker} alone: leave worker_node out, or name only it.`);
  }
  return { reservation };
}

/** One request drawn on a reservation: one fewer left. */
export function drawReservation(tree: StateTree, id: string, reservation: WorkerReservation): void {
  writeJson(tree, jobPaths.reservation(id), { ...reservation, requestsLeft: reservation.requestsLeft - 1 });
}

/** Ends every reservation whose period ended at `time`, oldest first: what it has not spent goes back to its client. */
export function applyReservationEnds(tree: StateTree, time: number, height: number): JobEvent[] {
  const events: JobEvent[] = [];
  const due = tree
    .keys(jobPaths.reservationEnds)
    .map(Number)
    .filter((at) => at <= time)
    .sort((a, b) => a - b);
  for (const at of due) {
    for (const id of tree.keys(`${jobPaths.reservationEnds}/${at}`).sort()) {
      const reservation = readReservation(tree, id);
      if (reservation === null) continue;
      const refund = BigInt(reservation.price) * BigInt(reservation.requestsLeft);
      payFromEscrow(tree, reservation.client, refund);
      tree.writeSystem(jobPaths.reservation(id), null);
      const { job, client, worker, accepted } = reservation;
      events.push({ type: 'reservationEnded', job, reservation: id, client, worker, refund: refund.toString(), accepted, time, height });
    }
    tree.writeSystem(`${jobPaths.reservationEnds}/${at}`, null);
  }
  return events;
}
