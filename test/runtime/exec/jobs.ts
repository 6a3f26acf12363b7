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

/** A worker for the sample: reads the request on stdin, reports progress, replies { x }. */
export const rootWorker = `
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { y } = JSON.parse(input);
  console.error('guessing the root of ' + y);
  console.error(JSON.stringify({ progress: 0.5, message: 'half way' }));
  process.stdout.write(JSON.stringify({ x: Math.sqrt(y) }));
});
`;

/** Small node programs for the contract and hostile tests, keyed by what they do. */
export const jobs = {
  fail: `console.error('something broke'); process.exit(3);`,
  sleep: `console.error('ready'); setInterval(() => {}, 1000);`,
  flood: `const line = 'x'.repeat(1023) + '\\n'; const write = () => { while (process.stdout.write(line)); process.stdout.once('drain', write); }; write();`,
  wrongReply: `process.stdout.write(JSON.stringify({ x: 'two' }));`,
  notJson: `process.stdout.write('the answer is 2');`,
  env: `process.stdout.write(JSON.stringify({ env: process.env, cwd: process.cwd() }));`,
  allocate: `const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));`,
} as const;
