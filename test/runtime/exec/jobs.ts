/**
 * The papers' sample job schema ("Calculate Root"), made valid proto3: the paper's
 * `rpc EvaluateRoot (Request, Workers)` takes one message here, `repeated node` gets a type, and
 * `message Worker` is `WorkerResult` (a message may not share the name of `service Worker`).
 */
export const calculateRootProto = `syntax = "proto3";

// The paper's sample: given y, find x with x * x = y.
service Worker {
  rpc CalculateRoot (Request) returns (WorkerReply) {}
}
service Evaluator {
  rpc EvaluateRoot (Evaluation) returns (EvaluationResult) {}
}
message Request {
  float y = 1;
}
message WorkerReply {
  float x = 1;
}
message WorkerResult {
  string node = 1;
  WorkerReply response = 3;
}
message Workers {
  repeated WorkerResult workers = 1;
}
message Evaluation {
  Request request = 1;
  Workers workers = 2;
}
message EvaluationResult {
  repeated string nodes = 1; // highest ranked worker first; invalid workers dropped
}
`;

export const workerSchema = { proto: calculateRootProto, service: 'Worker', rpc: 'CalculateRoot' } as const;

/**
 * One node program for every test job, the behaviour picked by its first argument, so that the
 * docker runtime builds one job image for all of them (`node job.js <behaviour> [arg]`).
 */
export const jobScript = `
const [behaviour, arg] = process.argv.slice(2);
const fs = require('node:fs');
const readStdin = (then) => { let input = ''; process.stdin.on('data', (c) => { input += c; }); process.stdin.on('end', () => then(input)); };
const reply = (value) => process.stdout.write(JSON.stringify(value));
const tryOrFail = (what, act) => { try { act(); } catch (error) { console.error(what + ' failed: ' + error.code); process.exit(1); } };
switch (behaviour) {
  case 'root': // the sample's worker: reads { y }, reports progress, replies { x }
    readStdin((input) => {
      const { y } = JSON.parse(input);
      console.error('guessing the root of ' + y);
      console.error(JSON.stringify({ progress: 0.5, message: 'half way' }));
      reply({ x: Math.sqrt(y) });
    });
    break;
  case 'fail': console.error('something broke'); process.exit(3);
  case 'sleep': console.error('ready'); setInterval(() => {}, 1000); break;
  case 'spin': for (;;) {}
  case 'flood': { const line = 'x'.repeat(1023) + '\\n'; const write = () => { while (process.stdout.write(line)); process.stdout.once('drain', write); }; write(); break; }
  case 'wrongReply': reply({ x: 'two' }); break;
  case 'notJson': process.stdout.write('the answer is 2'); break;
  case 'env': reply({ env: process.env, cwd: process.cwd() }); break;
  case 'readData': reply({ text: fs.readFileSync('data/input.txt', 'utf8') }); break;
  case 'allocate': { const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1)); }
  case 'orphan': { // leaves a child running and exits
    const child = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    child.unref();
    reply({ pid: child.pid });
    break;
  }
  case 'connect': {
    const socket = require('node:net').connect(Number(arg), '127.0.0.1');
    socket.on('connect', () => { reply({ escaped: true }); process.exit(0); });
    socket.on('error', (error) => { console.error('connect failed: ' + error.code); process.exit(1); });
    break;
  }
  case 'forkBomb': {
    let failures = 0;
    const fork = () => {
      const child = require('node:child_process').spawn(process.execPath, [__filename, 'forkBomb'], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', (error) => { if (failures++ === 0) console.error('spawn failed: ' + error.code); });
    };
    setInterval(() => { fork(); fork(); }, 10);
    break;
  }
  case 'writeRoot': tryOrFail('write', () => { fs.writeFileSync('/owned', 'x'); reply({ escaped: true }); }); break;
  case 'readShadow': tryOrFail('read', () => reply({ shadow: fs.readFileSync('/etc/shadow', 'utf8') })); break;
  default: console.error('no behaviour ' + behaviour); process.exit(2);
}
`;

/** The spec of a test job: `node job.js <behaviour> [arg]` with `jobScript` as job.js. */
export const testJob = (behaviour: string, extra: Record<string, unknown> = {}, arg?: string) => ({
  command: 'node',
  args: arg === undefined ? ['job.js', behaviour] : ['job.js', behaviour, arg],
  files: { 'job.js': jobScript },
  ...extra,
});
