// Child process for fileLog.test.ts: opens the file log in argv[2] and reports on stdout.
// `probe`: prints `{"opened":true}` or `{"code":…,"message":…}` and exits.
// `hold`: opens, prints `{"opened":true,"pid":…}`, keeps the log until stdin closes, then closes it.
import { openFileLog } from '../../../log/store/index.ts';
import { isAinError } from '../../../schemas/index.ts';

const [dir, mode = 'probe'] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: lockProbe.ts <dir> [probe|hold]');

try {
  const log = await openFileLog({ dir });
  process.stdout.write(`${JSON.stringify({ opened: true, pid: process.pid })}\n`);
  if (mode === 'hold') {
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve));
  }
  await log.close();
} catch (error) {
  if (!isAinError(error)) throw error;
  process.stdout.write(`${JSON.stringify({ code: error.code, message: error.message })}\n`);
}
