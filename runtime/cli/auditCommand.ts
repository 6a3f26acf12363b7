import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BrokerAddress } from '../../schemas/index.ts';
import { auditDataDir, auditKafka, type AuditReport } from '../audit/index.ts';
import { configFileIn, loadConfig, netNodesIn } from '../config/index.ts';
import type { CommandContext } from './main.ts';
import { exitCodes, printJson, UsageError } from './output.ts';

const say = (line: string) => process.stdout.write(line + '\n');
const unlistedLinesMax = 5;

function printReport(report: AuditReport): void {
  say(`audit of chain ${report.chain} (genesis ${report.genesis.slice(0, 16)}…)`);
  // What the log proves: a block's certificate or attestations are in the blocks after it, so on a
  // network the last block decided is final to its node (which holds its certificate) a block before the log says so.
  say(`  records ${report.records}, blocks ${report.blocks}, txs ${report.txs}, final height ${report.finalized.height} (as later blocks in the log prove it)`);
  const codes = Object.entries(report.outcomes).sort((a, b) => b[1] - a[1]);
  say(`  outcomes: ${codes.map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}`);
  say(
    `  attestations checked ${report.attestations}, certificates checked ${report.certificates}, snapshots compared ${report.snapshotsChecked}, state root ${report.stateRoot.slice(0, 16)}…`,
  );
  if (report.ok) {
    say('  everything matches');
    return;
  }
  const unlisted = [...report.unlisted].sort((a, b) => b.count - a.count);
  const more = unlisted.reduce((sum, u) => sum + u.count, 0);
  say(`  ${report.mismatches.length + more} mismatch(es); the first:`);
  const first = report.mismatches[0]!;
  const model = first.readModel;
  const where = [
    first.height === undefined ? '' : `height ${first.height}`,
    first.offset === undefined ? '' : `offset ${first.offset}`,
    first.tx === undefined ? '' : `tx ${first.tx.slice(0, 16)}…`,
    model === undefined
      ? ''
      : [
          model.part,
          model.job === undefined ? '' : `job ${model.job.slice(0, 16)}…`,
          model.node === undefined ? '' : `node ${model.node}`,
          model.field === undefined ? '' : `field ${model.field}`,
        ]
          .filter(Boolean)
          .join(' '),
  ]
    .filter(Boolean)
    .join(', ');
  say(`  [${first.kind}${where === '' ? '' : ` at ${where}`}] ${first.message}`);
  for (const u of unlisted.slice(0, unlistedLinesMax))
    say(`  and ${u.count} more ${u.kind} mismatch(es)${u.from === undefined ? '' : ` signed by ${u.from}`}, not listed`);
  if (unlisted.length > unlistedLinesMax) say(`  and ${unlisted.length - unlistedLinesMax} more such count(s) by kind and signer (--json lists them)`);
}

/**
 * `ain audit --data DIR | --kafka H:P,… [--topic T] (--genesis FILE | --data DIR)` `[--threads N] [--json]`:
 * exit 0 only if everything matches. A data dir whose config puts the node on Kafka is audited
 * from its topic.
 */
export async function auditCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, genesis: { type: 'string' }, threads: { type: 'string' }, kafka: { type: 'string' }, topic: { type: 'string' } },
  });
  if (values.kafka === undefined && values.data === undefined)
    throw new UsageError('ain audit needs the data directory of a node (--data DIR), or a chain on Kafka (--kafka H:P,… with --genesis FILE or --data DIR).');
  if (values.kafka === undefined && values.topic !== undefined) throw new UsageError('--topic goes with --kafka.');
  if (values.kafka !== undefined && values.data === undefined && values.genesis === undefined)
    throw new UsageError('ain audit --kafka needs the chain’s genesis: --genesis FILE, or --data DIR of one of its nodes.');
  if (values.threads !== undefined && !/^\d+$/.test(values.threads)) throw new UsageError(`--threads must be a whole number, got "${values.threads}".`);
  const brokers = values.kafka
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const notBroker = brokers?.find((b) => !BrokerAddress.safeParse(b).success);
  if (notBroker !== undefined) throw new UsageError(`--kafka takes host:port of each broker, e.g. 127.0.0.1:9092; "${notBroker}" is not one.`);
  const netNodes = values.data === undefined ? [] : await netNodesIn(values.data);
  if (netNodes.length > 0) {
    throw new UsageError(
      `${values.data} is the directory of a network ain net init wrote, not one of its nodes (${netNodes.join(', ')}): audit one of those, e.g. ain audit --data ${join(values.data!, netNodes[0]!)}.`,
    );
  }
  const tty = !json && process.stderr.isTTY === true;
  const common = {
    genesisFile: values.genesis,
    threads: values.threads === undefined ? undefined : Number(values.threads),
    onProgress: tty
      ? ({ offset, lastOffset, height }: { offset: number; lastOffset: number; height: number }) => {
          const done = lastOffset < 0 ? 1 : (offset + 1) / (lastOffset + 1);
          const bar = '#'.repeat(Math.round(done * 30)).padEnd(30, '.');
          process.stderr.write(`\r  [${bar}] ${Math.round(done * 100)}% record ${offset + 1}/${lastOffset + 1}, height ${height}`);
          if (offset >= lastOffset) process.stderr.write('\n');
        }
      : undefined,
  };
  // A node on Kafka keeps no log in its dir: its config names the brokers and topic to replay
  // (with --kafka, the topic too unless --topic names one: a config may name its own).
  const configFile = values.data === undefined || (values.kafka !== undefined && values.topic !== undefined) ? undefined : await configFileIn(values.data);
  const log = configFile === undefined ? undefined : (await loadConfig({ file: configFile, flags: { dataDir: values.data } })).log;
  const report =
    values.kafka !== undefined
      ? await auditKafka({
          ...common,
          brokers: brokers!,
          topic: values.topic ?? (log?.kind === 'kafka' ? log.topic : undefined),
          dataDir: values.data,
        })
      : log?.kind === 'kafka'
        ? await auditKafka({ ...common, brokers: [...log.brokers], topic: log.topic, dataDir: values.data })
        : await auditDataDir({ ...common, dataDir: values.data! });
  if (json) printJson(report);
  else printReport(report);
  process.exitCode = report.ok ? exitCodes.ok : exitCodes.failed;
}
