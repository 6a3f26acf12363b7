#!/usr/bin/env -S node --max-semi-space-size=64
// The ain CLI. The sources are TypeScript, run through tsx's loader (registered here, and
// passed on to worker threads by the verify pool). With AIN_COMPILED=1 it runs instead the
// JavaScript `npm run build` compiled into dist/: the same code with no loader, a node started
// in about half the CPU time. `npm test` builds first and sets it for the nodes and CLI runs its
// tests start; after changing a source, build again before setting it yourself.
// `ain node`: a SIGTERM or SIGINT that comes while the code loads (a second or two through tsx) is
// kept, not the default death with no log line: catchStopSignals (runtime/cli/nodeCommand.ts)
// takes it over and stops the node in order once it has started; a second one exits at once.
if (process.argv[2] === 'node') {
  const early = { signals: [], listener: (signal) => (early.signals.length > 0 ? process.exit(signal === 'SIGINT' ? 130 : 143) : early.signals.push(signal)) };
  process.on('SIGTERM', early.listener);
  process.on('SIGINT', early.listener);
  // Set once the listeners are on (a test's --import fixture says "kept" then, and signals at once).
  globalThis[Symbol.for('ain.earlySignals')] = early;
}
// A reader that stops reading (`ain net status | head`) closes the pipe: the command is done, not
// broken (an EPIPE from stdout used to end it with an unhandled 'error' event and a stack).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    // After what is under way now (the command's last step sets its exit code); a command cut off
    // before it set one ends as a shell's broken pipe does (141), so `set -o pipefail` sees it.
    setImmediate(() => process.exit(process.exitCode ?? 141));
  });
}
if (process.env.AIN_COMPILED === '1') {
  const { main } = await import('../dist/runtime/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
} else {
  await import('tsx');
  const { main } = await import('../runtime/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
