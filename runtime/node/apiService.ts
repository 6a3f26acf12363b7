import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createApi, type ChainsInProcess, type InvocationHub, type LedgerRoutesOptions, type ProgressMessage } from '../api/index.ts';
import { AinError, type NodeConfig } from '../../schemas/index.ts';
import type { NodeComponents } from './components.ts';
import type { Service } from './lifecycle.ts';
import type { BlobAuthVerifier } from '../storage/index.ts';
import type { PeerCalls } from './peerCallService.ts';
import type { NetService } from './netService.ts';
import type { PeerBlobs } from './peerBlobService.ts';

export type ApiServiceComponents = Pick<
  NodeComponents,
  'config' | 'logger' | 'metrics' | 'ingest' | 'blocks' | 'blobs' | 'chain' | 'hub' | 'ratings' | 'waitFinal'
> & {
  /** The newest final block the node applied (`GET /v1/health`): on a network, the newest decided. */
  readonly finalHeight: () => number;
  /** What keeps the node from its work now (`GET /v1/health`): runtime/node/healthWatch.ts. */
  readonly problems: LedgerRoutesOptions['problems'];
  /** The peer-to-peer endpoint, for `GET /v1/net`; absent on a node without a `p2p` config. */
  readonly net: Pick<NetService, 'info'> | undefined;
  /** The checker of signed blob requests, shared with the peers' blob protocol (a nonce is used once per node). */
  readonly blobAuth: BlobAuthVerifier;
  /** Blobs stored on the network's other nodes; absent without peers. */
  readonly peerBlobs: PeerBlobs | undefined;
  /** Where HTTP calls of functions meet the function workers that take calls from this node. */
  readonly invocations: InvocationHub;
  /** Calls of functions whose workers take calls from another node of the network; absent without peers. */
  readonly peerCalls: PeerCalls | undefined;
  /** Passes a worker's progress on to the network's other nodes; absent without peers. */
  readonly progressRelay: ((message: ProgressMessage) => void) | undefined;
  /** The shard the node keeps, and on a shard with a parent the links of chained proofs (runtime/node/shardProofs.ts). */
  readonly shard: LedgerRoutesOptions['shard'];
  /** The chains this process serves, when it serves several: the API joins them while it listens. */
  readonly chains?: ProcessChains;
  /** A peer-to-peer node's mempool, for what `GET /v1/tx/<hash>` says of a tx in no block. */
  readonly pendingTxs?: LedgerRoutesOptions['pendingTxs'];
};

/** The chains one process serves (`ain node --data D1 --data D2 …`): each node's API joins, and `?shard=` on any reaches the others. */
export interface ProcessChains extends ChainsInProcess {
  /** Adds `shard`'s API; the function it returns takes it out. BAD_CONFIG when the process serves that shard already. */
  join(shard: string, api: FastifyInstance): () => void;
}

/**
 * The chains of one process, by shard.
 * @example const chains = createProcessChains(); await startNode({ config, logger, chains })
 */
export function createProcessChains(): ProcessChains {
  const apis = new Map<string, FastifyInstance>();
  return {
    join(shard, api) {
      if (apis.has(shard)) throw new AinError('BAD_CONFIG', `This process serves shard ${shard} already; each --data must run another chain or shard.`);
      apis.set(shard, api);
      return () => void (apis.get(shard) === api && apis.delete(shard));
    },
    route(shard) {
      const api = apis.get(shard);
      return api === undefined ? undefined : (request, response) => api.routing(request, response);
    },
    shards: () => [...apis.keys()],
  };
}

export interface ApiService extends Service {
  /** `http://host:port` once started (the port the system chose for port 0). */
  readonly url: string;
  /** Submissions the API is appending right now: a stop that hangs says so. */
  readonly submitsInFlight: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How long the API waits for requests in flight when the node stops, before it cuts their connections. */
export const apiCloseGraceMs = 5_000;

/**
 * The node's HTTP API as a service: listens on the configured host and port when started. Its
 * stop ends the open streams first (the server waits for them), refuses new requests, gives those
 * in flight `apiCloseGraceMs` to finish, then cuts their connections, so no client (or a request
 * that never ends) can keep a node from stopping.
 */
export function createApiService(components: ApiServiceComponents, status: () => Record<string, unknown>): ApiService {
  const { config, logger, metrics, ingest, blocks, blobs, blobAuth, peerBlobs, progressRelay, chain, hub, ratings, waitFinal, net, shard, chains } = components;
  const { invocations, peerCalls, pendingTxs } = components;
  const api = createApi({
    ingest,
    maxBatchTxs: config.maxBatchTxs,
    maxTxBytes: config.maxTxBytes,
    bodyBytesMax: config.maxBatchTxs * config.maxTxBytes * 2,
    blocks,
    blobs: { store: blobs, auth: blobAuth, ...(peerBlobs === undefined ? {} : { peers: peerBlobs }) },
    ledger: chain.ledger,
    waitFinal,
    finalHeight: components.finalHeight,
    problems: components.problems,
    ...(shard === undefined ? {} : { shard }),
    ...(pendingTxs === undefined ? {} : { pendingTxs }),
    jobs: { ledger: chain.ledger, readModels: chain.readModels },
    ratings: { history: ratings, height: () => chain.ledger.height },
    explain: { chain, blocks },
    progress: { ledger: chain.ledger, hub, auth: blobAuth, ...(progressRelay === undefined ? {} : { relay: progressRelay }) },
    shards: { ledger: chain.ledger },
    functions: { ledger: chain.ledger, auth: blobAuth, hub: invocations, ...(peerCalls === undefined ? {} : { peers: peerCalls }) },
    readBytesMax: config.api.readBytesMax,
    streams: {
      hub,
      connectionsMax: config.api.streamsMax,
      bufferBytesMax: config.api.streamBufferBytesMax,
      drainMs: config.api.streamDrainMs,
      metrics: metrics.streams,
    },
    metrics: metrics.registry,
    ui: {},
    status,
    ...(net === undefined ? {} : { net: () => net.info() }),
    ...(chains === undefined ? {} : { chains }),
  });
  let leave = () => undefined as void;
  // Requests not answered yet, so a stop that has to cut connections says whose they were.
  const open = new Map<object, { readonly method: string; readonly url: string; readonly since: number }>();
  api.addHook('onRequest', (request, reply, done) => {
    open.set(request.raw, { method: request.method, url: request.url.slice(0, 200), since: performance.now() });
    reply.raw.once('close', () => open.delete(request.raw));
    done();
  });
  const stillOpen = () =>
    [...open.values()].slice(0, 10).map(({ method, url, since }) => `${method} ${url} (open ${Math.round(performance.now() - since)} ms)`);
  let url = '';
  return {
    get url() {
      return url;
    },
    get submitsInFlight() {
      return ingest.inFlight;
    },
    async start() {
      try {
        await api.listen({ host: config.host, port: config.port });
      } catch (error) {
        await api.close();
        throw listenError(error, config);
      }
      const address = api.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      if (chains !== undefined) {
        try {
          leave = chains.join(shard?.path ?? '/', api);
        } catch (error) {
          await api.close();
          throw error;
        }
      }
    },
    async stop() {
      leave();
      hub.close();
      await closeApi(api, logger, stillOpen);
    },
  };
}

/**
 * Closes the server: new requests are refused at once. Every 25 ms until it is closed, the
 * connections that carry no request are closed: while some request is unanswered, only the idle
 * ones (the server closes those it has when asked, not those that go idle later); once none is,
 * all of them, since a connection with no request left holds nothing (an ended stream whose
 * reader has not closed its side kept a stop waiting 5 s with no request open). After
 * `apiCloseGraceMs` every connection left is cut, and the warning names the requests still open.
 */
export async function closeApi(api: FastifyInstance, logger: Pick<Logger, 'warn'>, stillOpen: () => string[]): Promise<void> {
  const closed = api.close();
  const sweep = setInterval(() => (stillOpen().length === 0 ? api.server.closeAllConnections() : api.server.closeIdleConnections()), 25);
  const grace = setTimeout(() => {
    logger.warn({ graceMs: apiCloseGraceMs, open: stillOpen() }, 'requests still open when the node stops: their connections are cut');
    api.server.closeAllConnections();
  }, apiCloseGraceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(grace);
  }
}

function listenError(error: unknown, config: NodeConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new AinError('BAD_CONFIG', `The node cannot listen on ${config.host}:${config.port} (${code}); choose another --port or --host.`, { cause: error });
  }
  return error;
}
