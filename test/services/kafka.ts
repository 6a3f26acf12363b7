import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const script = join(process.cwd(), 'test/services/kafka.sh');
/** The first run fetches the jars from Maven Central; later runs start in a few seconds. */
const START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 15_000;
const STDERR_TAIL_LINES = 40;

/** A running broker started by `kafka.sh`, stopped with `stop()` (its whole process group). */
export interface KafkaService {
  /** What clients bootstrap from (the advertised port: a proxy's, when one was asked for). */
  readonly brokers: string[];
  /** The port the broker itself listens on, 127.0.0.1. */
  readonly port: number;
  /** Kills the broker's JVM with SIGKILL (a crash); resolves once it is dead. */
  kill(): Promise<void>;
  /** Starts the broker again on the same storage and port; resolves once it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaStartOptions {
  /** Clients are told to connect to this port (a fault-injecting proxy's) instead of the broker's. */
  readonly advertisedPort?: number;
}

/**
 * Starts one Kafka broker for the calling test file, or says why it cannot.
 * Under `CI=true` a broker that cannot start throws (the run fails); elsewhere it warns loudly,
 * naming the missing service, and resolves `undefined` so the caller registers skipped tests.
 * @example
 * const kafka = await startKafka();
 * if (kafka === undefined) test.skip('kafka: no broker', () => {});
 */
export async function startKafka(options: KafkaStartOptions = {}): Promise<KafkaService | undefined> {
  try {
    return await spawnKafka(options);
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.warn(`\n*** SKIPPING Kafka tests: the Kafka service could not start (test/services/kafka.sh).\n${String(error)}\n`);
    return undefined;
  }
}

function spawnKafka({ advertisedPort }: KafkaStartOptions): Promise<KafkaService> {
  // Its own process group, so stop() reaches the JVM too; kafka.sh also exits if this process dies.
  const env = advertisedPort === undefined ? process.env : { ...process.env, KAFKA_ADVERTISED_PORT: String(advertisedPort) };
  const child = spawn('bash', [script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroupNow = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', killGroupNow);

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`kafka.sh printed no KAFKA_BROKERS line within ${START_TIMEOUT_MS} ms.\n${stderrTail.join('\n')}`));
    }, START_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`kafka.sh exited (code ${child.exitCode}) before the broker answered.\n${stderrTail.join('\n')}`));
    });
    const lines = createInterface({ input: child.stdout! });
    /** Sends a fault signal to kafka.sh and waits for the line that says it is done. */
    const fault = (signal: NodeJS.Signals, done: string, timeoutMs: number) =>
      new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`kafka.sh did not print ${done} within ${timeoutMs} ms`)), timeoutMs);
        const onLine = (line: string) => {
          if (line !== done) return;
          clearTimeout(timer);
          lines.off('line', onLine);
          ok();
        };
        lines.on('line', onLine);
        process.kill(child.pid!, signal);
      });
    let port = 0;
    lines.on('line', (line) => {
      const portLine = /^KAFKA_PORT=(\d+)$/.exec(line);
      if (portLine?.[1] !== undefined) port = Number(portLine[1]);
      const match = /^KAFKA_BROKERS=(.+)$/.exec(line);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({
        brokers: match[1].split(','),
        port,
        kill: () => fault('SIGUSR1', 'KAFKA_KILLED', 15_000),
        restart: () => fault('SIGUSR2', 'KAFKA_RESTARTED', START_TIMEOUT_MS),
        async stop() {
          process.removeListener('exit', killGroupNow);
          if (child.exitCode !== null || child.signalCode !== null) return;
          killGroup(child, 'SIGTERM');
          const timeout = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), STOP_TIMEOUT_MS).unref());
          if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child, 'SIGKILL');
        },
      });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
