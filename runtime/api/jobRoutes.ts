import { z } from 'zod';
import {
  accountCommitments,
  binaryVersions,
  jobPaths,
  readBinaries,
  readJobSchema,
  readNode,
  readRequest,
  readReservation,
  readTestData,
  type Ledger,
} from '../../actors/index.ts';
import { jobDashboardView, ownEntry, readAccount, reputationOf, statsLine, type JobDashboardView, type ReadModels } from '../../projections/index.ts';
import { Address, AinError, Hash, JobSchemaState, JobsQuery, listPageMax } from '../../schemas/index.ts';
import { doc, type Api } from './openApi.ts';

export interface JobRoutesOptions {
  readonly ledger: Ledger;
  /** The chain's reputation and dashboard, folded in place as blocks come. */
  readonly readModels: ReadModels;
}

const listMax = listPageMax;
/** What a job can do now (schemas/api): `open`, `ready` or `unstaffed`. */
export const jobStates = JobSchemaState.options;
export type { JobSchemaState };

export function jobStateOf(board: Pick<JobDashboardView, 'openRequests' | 'workers' | 'evaluators'> | undefined): JobSchemaState {
  if (board === undefined) return 'unstaffed';
  if (board.openRequests > 0) return 'open';
  return board.workers > 0 && board.evaluators > 0 ? 'ready' : 'unstaffed';
}

const IdParam = z.strictObject({ id: Hash });
const AddressParam = z.strictObject({ address: Address });
const DashboardQuery = z.strictObject({ job: Hash.optional() });

const parseJson = (text: unknown): unknown => (typeof text === 'string' ? JSON.parse(text) : null);

/** Reads of the job protocol: job schemas and requests, nodes, reputation and the dashboard. */
export function jobRoutes(app: Api, { ledger, readModels }: JobRoutesOptions): void {
  const { tree } = ledger;
  const summary = (job: string) => {
    const schema = readJobSchema(tree, job)!;
    const board = readModels.dashboard.jobs[job];
    return {
      id: job,
      admin: schema.admin,
      registeredAt: schema.registeredAt,
      state: jobStateOf(board),
      stats: statsLine(readModels.dashboard, job),
      dashboard: board === undefined ? null : jobDashboardView(board),
    };
  };

  app.get('/v1/jobs', doc('jobs', 'Registered job schemas by id, with their stats line, filterable by state.', { querystring: JobsQuery }), async (request) => {
    const { limit, after, state } = request.query;
    const ids = tree
      .keys('/jobs/schemas')
      .sort()
      .filter((id) => after === undefined || id > after);
    const matching = state === undefined ? ids : ids.filter((id) => jobStateOf(readModels.dashboard.jobs[id]) === state);
    const page = matching.slice(0, limit);
    return { height: ledger.height, jobs: page.map(summary), next: matching.length > limit ? page.at(-1) : null };
  });

  app.get(
    '/v1/jobs/:id',
    doc('jobs', 'A job schema (spec, admin tree, stats) or a job request (state, workers, results), by id.', { params: IdParam }),
    async (request) => {
      const { id } = request.params;
      if (readJobSchema(tree, id) !== null) {
        const schema = readJobSchema(tree, id)!;
        const nodes = tree
          .keys(jobPaths.nodesOf(id))
          .sort()
          .slice(0, listMax)
          .map((address) => {
            const node = readNode(tree, id, address)!;
            return { address, state: node.state, role: node.context.role, parent: node.context.parent };
          });
        // The binaries in force (null for a job that publishes none) and every version published.
        const binaries = { binaries: readBinaries(tree, id), binaryVersions: binaryVersions(tree, id) };
        return { kind: 'job', height: ledger.height, ...summary(id), spec: schema.op, nodes, ...binaries };
      }
      const found = readRequest(tree, id);
      if (found === null) {
        const reservation = readReservation(tree, id);
        if (reservation !== null) return { kind: 'reservation', height: ledger.height, id, ...reservation };
        throw new AinError('UNKNOWN_JOB', `No job schema, job request or reservation has the id ${id}.`);
      }
      const results = Object.fromEntries(
        Object.keys(found.context.workers)
          .filter((w) => found.context.workers[w]!.submittedAt !== undefined && found.context.workers[w]!.failure === undefined)
          .map((w) => [w, parseJson(tree.get(jobPaths.result(id, w)))]),
      );
      const testData = readTestData(tree, id);
      return {
        kind: 'request',
        height: ledger.height,
        id,
        state: found.state,
        ...found.context,
        input: parseJson(tree.get(jobPaths.input(id))),
        results,
        testData,
      };
    },
  );

  app.get(
    '/v1/nodes/:address',
    doc('nodes', 'A node: its balance and stake, and its role and state in each job.', { params: AddressParam }),
    async (request) => {
      const { address } = request.params;
      const { balance, stake, nonce } = readAccount(tree, address);
      const jobs = reputationOf(readModels.reputation, address).flatMap(({ job }) => {
        const node = readNode(tree, job, address);
        return node === null
          ? []
          : [
              {
                job,
                state: node.state,
                role: node.context.role,
                parent: node.context.parent,
                appliedAt: node.context.appliedAt,
                approvedAt: node.context.approvedAt,
                droppedAt: node.context.droppedAt,
              },
            ];
      });
      return { address, height: ledger.height, balance: balance.toString(), stake: stake.toString(), nonce, jobs };
    },
  );

  app.get(
    '/v1/accounts/:address/requests',
    doc(
      'accounts',
      'The open requests an address is the client or evaluator of: what each holds in escrow and may still lock (a challenge fee), and whether the balance covers it.',
      { params: AddressParam },
    ),
    async (request) => ({ height: ledger.height, ...accountCommitments(tree, readModels.dashboard.jobs, request.params.address) }),
  );

  app.get(
    '/v1/reputation/:address',
    doc('nodes', 'A node’s reputation per job: jobs done, response time, ratios, challenges, drops, Elo.', { params: AddressParam }),
    async (request) => {
      const { address } = request.params;
      return { address, height: ledger.height, jobs: reputationOf(readModels.reputation, address) };
    },
  );

  app.get(
    '/v1/jobs/:id/reputation',
    doc('nodes', 'The reputation of every node of a job (1000 at most, by address): role, status, ratios, Elo; what `ain requestJob --min-rating` reads.', {
      params: IdParam,
    }),
    async (request) => {
      const { id } = request.params;
      if (readJobSchema(tree, id) === null) throw new AinError('UNKNOWN_JOB', `No job schema has the id ${id} on this node (as of block ${ledger.height}).`);
      const nodes = ownEntry(readModels.reputation.jobs, id)?.nodes ?? {};
      const addresses = Object.keys(nodes).sort().slice(0, listMax);
      return { job: id, height: ledger.height, nodes: Object.fromEntries(addresses.map((a) => [a, nodes[a]!])), total: Object.keys(nodes).length };
    },
  );

  app.get('/v1/dashboard', doc('jobs', 'The dashboard: per job statistics, or one job’s (`?job=`).', { querystring: DashboardQuery }), async (request) => {
    const { job } = request.query;
    const { dashboard } = readModels;
    if (job !== undefined) {
      const board = dashboard.jobs[job];
      if (board === undefined) throw new AinError('UNKNOWN_JOB', `The dashboard has no job ${job}.`);
      return { height: ledger.height, job, stats: statsLine(dashboard, job), dashboard: jobDashboardView(board) };
    }
    const ids = Object.keys(dashboard.jobs).sort().slice(0, listMax);
    return {
      height: ledger.height,
      timeMs: dashboard.timeMs,
      jobs: Object.fromEntries(ids.map((id) => [id, { stats: statsLine(dashboard, id), ...jobDashboardView(dashboard.jobs[id]!) }])),
      nodes: Object.keys(dashboard.nodes).length,
    };
  });
}
