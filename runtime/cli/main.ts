import { exitCodes, printError, UsageError } from './output.ts';

const help = `ain — a ledger and runtime for a peer-to-peer compute cloud

Usage:
  ain up [--nodes N] [--evaluators N] [--workers N] [--data DIR] [--port N] [--once]
         [--runtime auto|docker|process] [--time-limit MS]
                                            a local network of 4 validators (--nodes 1: one
                                            node) running the papers' sample job end to end
                                            at the paper's scale (3 evaluators, 12 workers)
  ain node --data DIR [--port N] [--host H] [--config FILE] [--chain C] [--genesis FILE]
           [--fsync always|group|never | --log kafka --brokers H:P,… [--topic T]]
           [--block-interval-ms N]           one node; DIR/config.json is read when there is one
           [--log-level L]                   fatal … info (default) … debug (peers' refused
                                            requests and messages, and why), trace, silent
  ain node --data DIR1 --data DIR2 … [--log-level L]
                                            one process validating several chains (a parent and
                                            its shards), each from its own dir and config.json
  ain net init --validators N --dir D [--chain C] [--log file|kafka] [--brokers H:P,…]
               [--topic T] [--base-port P]  the files of N validator nodes D/n1 … D/nN (keys,
                                            one genesis, configs); then ain node --data D/n1 …
  ain net init --shard PATH --validators N --dir D --parent URL[,URL…] --key OWNER.key
               [--base-port P] [--rules FILE] [--stake S] [--wait-ms N]
               [--log file|kafka] [--brokers H:P,…] [--topic T]
                                            branch PATH on the running parent, then the files
                                            of the child chain's N validators, which report
                                            its blocks to the parent (on Kafka: one topic
                                            ain.<chain>.<shard>.<genesis> for the child's nodes)
  ain net add --dir D [--nodes K] [--base-port P]
                                            K more nodes (default 1) in D: keys of their own,
                                            the genesis, the others as peers; followers that
                                            catch up, validators once their keys stake
  ain net status --dir D                    each node of D: whether its API answers, its height,
                                            final height, peers, stake, and its health's problems
                                            (exit 1 when one does not answer or has a problem)
  ain deploy up [--nodes N] [--name NET] [--port-base P] [--chain C] [--dir D]
                [--log p2p|kafka [--java-home D] [--kafka-libs D]]
                                            N validators (default 4) as containers of a node
                                            image built here, on a Docker engine (DOCKER_HOST);
                                            kafka: a broker container too; waits until healthy
                                            and final; again: no change
  ain deploy status                         each container's state and health, each node's
                                            height, final height and peers
  ain deploy scale --nodes M [--stake A]    grow by followers that join by catch-up (--stake:
                                            each stakes A AIN, a validator), or remove the
                                            highest-numbered nodes (never validators the chain
                                            needs: WOULD_HALT)
  ain deploy agents --role worker|evaluator --count K --node URL --job JOB_ID [--fund A]
                    [--gpus]                K agents as containers, their jobs' runs as sibling
                                            containers (the engine's socket is mounted)
  ain deploy logs NODE [--follow] | restart NODE | audit NODE
                                            a node's log; restart it; ain audit of its volume
  ain deploy down [--volumes] [--images]    remove the containers (and the chain; the image)
                                            (each deploy verb takes --name NET, default ain)
  ain agent --role worker|evaluator --node URL --job JOB_ID [--key FILE] [--runtime docker|process]
            [--job-base-image TAG] [--deposit N] [--min-reward N] [--log-room BYTES]
                                            one agent of the sample job's programs: applies,
                                            then works on the job's requests until stopped
  ain agent --role function --node URL [--key FILE] [--runtime docker|process]
                                            a function worker for the key's functions: runs
                                            them on the writes that fire them and HTTP calls
  ain keys new [--out FILE] [--json]        a new Ed25519 key (file mode 0600)
  ain tx sign --key FILE [--op JSON | --op-file FILE | stdin] [--nonce N] [--time MS]
  ain tx submit [--node URL] [--file FILE | stdin] [--wait [--wait-ms N]]
                                            --wait: what each tx came to once in a block (ok, or
                                            error CODE: sentence and exit 1)
  ain tx verify HASH [--node URL] [--wait-ms N] [--json]
                                            check here the tx's inclusion proof and outcome against
                                            its block's final header (PROOF_INVALID: exit 1)
  ain state verify PATH [--shard S] [--kind values|rules|owners|functions] [--node URL] [--json]
                                            check here the value's Merkle proof against its block's
                                            header; --shard (on a shard's node): through the parent
                                            block that records it too (PROOF_INVALID: exit 1)
  ain audit --data DIR | --kafka H:P,… [--topic T] (--genesis FILE | --data DIR)
            [--threads N] [--json]
                                            replay a node's log from genesis and check everything;
                                            exit 0 only if all matches
  ain example ls                            the paper's machine-learning patterns (§2.2.4) as
                                            examples that run (examples/)
  ain example run NAME [--node URL --key FILE] [--out DIR]
                                            one of them by agents: on the node at --node, paid
                                            by --key (ain up's .data/up-net/owner.key), or on a
                                            one-node network of its own, stopped after; prints
                                            its quality figure (exit 1 outside its bound)
  ain blob put FILE --key FILE [--node URL] [--ttl-ms N] [--readers ADDR,ADDR|*]
  ain blob get HASH [--out FILE] [--key FILE] [--node URL]
  ain storage reserve --bytes N --ttl-ms N --key FILE [--provider ADDR] [--for ADDR]
                      [--readers ADDR,ADDR|*] [--node URL]
                                            pay a provider (default: the node) for Big Storage
                                            room before a job: a reserveStorage tx
  ain storage offer --price AIN --bytes N --key FILE [--node URL]
                                            sell room: AIN per GiB-day, at most N bytes at once
  ain storage show [ADDRESS] [--node URL]   the providers, and ADDRESS's reservations
  ain account ADDRESS|--key FILE [--node URL]
                                            balance, stake, nonce and bandwidth: the txs it may
                                            have folded per window (free ones plus one per
                                            ainPerTx AIN held), used and left, when it refills
  ain invoke FUNCTION_ID --path PATH [--input JSON] [--key FILE] [--node URL]
                                            call a function over HTTP; prints its output
  ain binaries hash PROGRAMS.json           a job's worker and evaluator program hashes
                                            (examples/root/programs.json: files and commands)
  ain binaries sign PROGRAMS.json --repository URL --version N --key FILE
                    [--chain C | --node URL] [--out FILE]
                                            the admin's signature over them, for registerJob
                                            --binaries and publishBinaries

The job protocol (the paper's console; each verb signs one tx with --key FILE, sends it to
--node URL (default http://127.0.0.1:8080) and waits up to --wait-ms N (30000) for its block):
  ain registerJob SCHEMA.proto|blob://… [--worker blob://…] [--evaluator blob://…] [--fee N]
                  [--challenge-fee N] [--test-data FILE.json] [--binaries FILE]
                                            prints the job id; --binaries: the programs'
                                            repository and hashes as ain binaries sign wrote
  ain publishBinaries JOB_ID --binaries FILE
                                            a newer version of the job's programs (its admin)
  ain reserveWorker JOB_ID WORKER --price AIN --period-ms N [--requests K]
                                            preemptive buying: K requests of the worker at a
                                            fixed price for a period, paid now (its requests
                                            name "reservation": <id> in requestJob)
  ain acceptReservation RESERVATION_ID      the reserved worker agrees
  ain commitTestData FILE.json              a salt and the test_commitment for requestJob
  ain revealTestData REQUEST_ID --test-data FILE.json --salt HEX
                                            after the time limit: the test data committed to
  ain applyJob JOB_ID --role worker|evaluator|admin [--test-result JSON]
               [--machine '{"cpu":8,"memory_mb":16000,"gpu":1}'] [--min-reward N]
  ain approveNode JOB_ID NODE_ADDRESS --role worker|evaluator|admin
  ain drop JOB_ID NODE_ADDRESS [--reason TEXT]
  ain requestJob '{"job_id":…,"job_input":{…},"reward":["10","10"],"time_limit":60000}'
                 [--no-wait] [--wait-ms N] [--dry-run] [--encrypt [--encrypt-blob FIELD=FILE]]
                                            reward: [evaluator, workers], the evaluator's pay
                                            and the workers' pool, split by "reward_function":
                                            "winnerOnly" (default: all to the best), "even", or
                                            "ranked" with "reward_weights": [3, 2, 1] (best
                                            first); prints the request id, then follows it until
                                            it settles (results, payouts) or is refunded (exit
                                            1); --wait-ms bounds the whole wait (600000);
                                            --encrypt [--encrypt-blob FIELD=FILE]: the input
                                            (and the files, put in Big Storage as the input's
                                            FIELD) encrypted, the key sealed to its nodes only;
                                            "bandwidth": "500" locks AIN for its agents' txs
                                            past their own budgets, back when it ends;
                                            --dry-run sends nothing: the input checked against
                                            the schema, what it locks, the balance after it and
                                            who is eligible now (exit 1 where it would be refused)
  ain rejectWorker REQUEST_ID WORKER_ADDRESS [--reason TEXT]
                                            the client turns a worker away while it runs
  ain acceptResult REQUEST_ID
  ain challenge REQUEST_ID [--reason TEXT]  the client, or a worker that submitted a result,
                                            disputes the ranking (locks the job's challenge fee)
  ain resolveChallenge REQUEST_ID --uphold [--ranking ADDR,ADDR,…] | --reject
                                            the evaluator's parent admin decides; upholding a
                                            worker's challenge takes the corrected ranking
  ain blindChallenge REQUEST_ID --reward N [--quorum N] [--reason TEXT]
                                            the client asks the job's admins outside the
                                            evaluator's branch to judge, locking the reward for
                                            those whose verdict agrees (quorum: a majority of
                                            them by default)
  ain blindVerdict REQUEST_ID --uphold|--reject [--reason TEXT]
                                            such an admin's verdict
  ain stats JOB_ID [--node URL]             "3 evaluators, 100 workers running"
  ain why REQUEST_ID|JOB_ID [--node URL]    why a request (or job) is where it is: its state and
                                            since when, who could take it and why they have not,
                                            its next deadline, every tx about it refused
  ain ui [--node URL] [--open | --no-open]  the dashboard's URL (the node serves it at /);
                                            opened in a browser when asked, or by default on a
                                            desktop's terminal (no browser: it is only printed)
  ain watch NAME [--from HEIGHT] [--count N] [--node URL]
                                            one line per event of a stream (blocks, finality,
                                            jobs, jobs/<id>, nodes, reputation[/<address>],
                                            dashboard, accounts/<address>, state/<path>);
                                            reconnects with Last-Event-ID; Ctrl-C ends it

Inspect (reads of a node, --node URL; --json gives the API's answers):
  ain jobs ls [--state open|ready|unstaffed] [--limit N]
                                            the registered jobs: state, admin, requests, stats
  ain jobs show JOB_ID                      a job, its figures and its nodes
  ain requests ls [--job JOB_ID] [--client ADDR] [--state STATE] [--limit N]
                                            job requests, newest first (STATE: requested,
                                            accepted, running, ranking, ranked, challenged,
                                            blindChallenged, settled, refunded)
  ain requests show REQUEST_ID              the request, one row per node that took it, and its
                                            history with block heights and times
  ain result REQUEST_ID [--out FILE] [--worker ADDR] [--key FILE]
                                            a worker's result (the best ranked by default); one in
                                            Big Storage is fetched and checked against its hash
  ain logs REQUEST_ID [--worker ADDR] [--follow] [--key FILE]
                                            the logs its workers kept in Big Storage (stderr and
                                            progress; failed runs too); --follow streams them live

--json (any command) prints JSON (NDJSON for ain watch).

Errors print as "error CODE: sentence" (the same code as the HTTP API); exit code 1.
`;

/**
 * The lines of the help for `command`: each entry of the usage that starts with `ain <command>`,
 * with the lines under it (`ain net init --help`: those of ain net init, add and status).
 */
export function usageOf(command: string): string {
  const entries: string[][] = [];
  let entry: string[] | undefined;
  for (const line of help.split('\n')) {
    if (line.startsWith('  ain ')) {
      entry = line.slice('  ain '.length).split(' ')[0] === command ? [] : undefined;
      if (entry !== undefined) entries.push(entry);
    } else if (!line.startsWith('   ')) entry = undefined;
    entry?.push(line);
  }
  return entries.flat().join('\n') + '\n';
}

/** Flags every command takes. */
export interface CommandContext {
  readonly json: boolean;
}

type Command = (args: string[], context: CommandContext) => Promise<void>;

/**
 * Each command's module, loaded when that command runs: `ain keys new` or a usage error need not
 * load the node, libp2p and Kafka first (a second or more of a CLI start).
 */
const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./upCommand.ts')).upCommand,
  node: async () => (await import('./nodeCommand.ts')).nodeCommand,
  keys: async () => (await import('./keysCommand.ts')).keysCommand,
  net: async () => (await import('./netCommand.ts')).netCommand,
  deploy: async () => (await import('./deployCommand.ts')).deployCommand,
  agent: async () => (await import('./agentCommand.ts')).agentCommand,
  tx: async () => (await import('./txCommand.ts')).txCommand,
  state: async () => (await import('./stateCommand.ts')).stateCommand,
  audit: async () => (await import('./auditCommand.ts')).auditCommand,
  blob: async () => (await import('./blobCommand.ts')).blobCommand,
  storage: async () => (await import('./storageCommand.ts')).storageCommand,
  account: async () => (await import('./accountCommand.ts')).accountCommand,
  binaries: async () => (await import('./binariesCommand.ts')).binariesCommand,
  invoke: async () => (await import('./invokeCommand.ts')).invokeCommand,
  publishBinaries: async () => (await import('./binariesCommand.ts')).publishBinariesCommand,
  reserveWorker: async () => (await import('./jobCommands.ts')).reserveWorkerCommand,
  acceptReservation: async () => (await import('./jobCommands.ts')).acceptReservationCommand,
  commitTestData: async () => (await import('./jobCommands.ts')).commitTestDataCommand,
  revealTestData: async () => (await import('./jobCommands.ts')).revealTestDataCommand,
  registerJob: async () => (await import('./jobCommands.ts')).registerJobCommand,
  applyJob: async () => (await import('./jobCommands.ts')).applyJobCommand,
  approveNode: async () => (await import('./jobCommands.ts')).approveNodeCommand,
  drop: async () => (await import('./jobCommands.ts')).dropCommand,
  requestJob: async () => (await import('./requestJobCommand.ts')).requestJobCommand,
  acceptResult: async () => (await import('./jobCommands.ts')).acceptResultCommand,
  challenge: async () => (await import('./jobCommands.ts')).challengeCommand,
  rejectWorker: async () => (await import('./jobCommands.ts')).rejectWorkerCommand,
  resolveChallenge: async () => (await import('./jobCommands.ts')).resolveChallengeCommand,
  blindChallenge: async () => (await import('./jobCommands.ts')).blindChallengeCommand,
  blindVerdict: async () => (await import('./jobCommands.ts')).blindVerdictCommand,
  stats: async () => (await import('./jobCommands.ts')).statsCommand,
  watch: async () => (await import('./watchCommand.ts')).watchCommand,
  jobs: async () => (await import('./jobsCommand.ts')).jobsCommand,
  requests: async () => (await import('./requestsCommand.ts')).requestsCommand,
  result: async () => (await import('./resultCommand.ts')).resultCommand,
  logs: async () => (await import('./logsCommand.ts')).logsCommand,
  why: async () => (await import('./whyCommand.ts')).whyCommand,
  ui: async () => (await import('./uiCommand.ts')).uiCommand,
  example: async () => (await import('./exampleCommand.ts')).exampleCommand,
};

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [name, ...args] = argv.filter((a) => a !== '--json');
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      process.stdout.write(help);
      return exitCodes.ok;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (load === undefined) throw new UsageError(`"${name}" is not a command.`);
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`${usageOf(name)}\nRun "ain help" for every command.\n`);
      return exitCodes.ok;
    }
    await (
      await load()
    )(args, { json });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return printError(new UsageError((error as Error).message), json);
    return printError(error, json);
  }
}
