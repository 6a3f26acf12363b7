// Child process for fileLog.crash.test.ts: appends under load with group commit until killed.
// stdout: `ready <lastOffset>` once open, `recovered <json>` when open cut a torn tail, then one
// `ack <offset> <id>` line per record, written only after its append was acknowledged.
import { openFileLog } from '../../../log/store/index.ts';

const [dir, runId = '0'] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: crashWriter.ts <dir> <runId>');

const writers = 8;
const filler = 'x'.repeat(200);
const encoder = new TextEncoder();

const log = await openFileLog({
  dir,
  fsync: { groupCommit: { maxRecords: 4096, maxDelayMs: 0 } },
  segmentBytes: 256 * 1024, // small, so kills also land around segment rolls
  onRecovery: (report) => process.stdout.write(`recovered ${JSON.stringify(report)}\n`),
});
process.stdout.write(`ready ${log.lastOffset()}\n`);

async function appendForever(writer: number): Promise<void> {
  for (let seq = 0; ;) {
    const size = 1 + ((seq * 31 + writer * 17) % 40);
    const ids = Array.from({ length: size }, () => `${runId}.${writer}.${seq++}`);
    const offsets = await log.append(ids.map((id) => encoder.encode(`${id} ${filler}`)));
    // Pipes are synchronous on Linux: once write returns, the parent can read the line.
    process.stdout.write(ids.map((id, index) => `ack ${offsets[index]} ${id}\n`).join(''));
  }
}

await Promise.all(Array.from({ length: writers }, (_, writer) => appendForever(writer)));
