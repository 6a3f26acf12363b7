// The subscribers of bench/sse.ts, in their own process so their CPU is not the node's: opens N
// SSE streams to a node, records when each `block` event arrived (ms since the epoch) and, once
// told to stop over IPC, reports the receive times per block height and exits.
import { Agent, get } from 'node:http';

interface Task {
  readonly url: string;
  readonly subscribers: number;
}

const received = new Map<number, number[]>();
let open = 0;

function subscribe(url: string, agent: Agent): void {
  get(`${url}/v1/streams/blocks`, { agent }, (response) => {
    if (response.statusCode !== 200) throw new Error(`a subscriber got ${response.statusCode}`);
    open++;
    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      const now = Date.now();
      buffered += chunk;
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(frame);
        if (id === null) continue;
        const height = Number(id[1]);
        let times = received.get(height);
        if (times === undefined) received.set(height, (times = []));
        times.push(now);
      }
    });
  });
}

process.once('message', (task: Task) => {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  for (let i = 0; i < task.subscribers; i++) subscribe(task.url, agent);
  const ready = setInterval(() => {
    if (open < task.subscribers) return;
    clearInterval(ready);
    process.send!({ ready: true });
  }, 20);
  process.once('message', () => {
    process.send!({ received: [...received] }, () => process.exit(0));
  });
});
