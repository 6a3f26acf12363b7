import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { getStatus } from '../client/index.ts';
import { defaultNodeUrl } from './argValues.ts';
import type { CommandContext } from './main.ts';
import { printJson, UsageError } from './output.ts';

/** The dashboard's address on a node: its page at `/`. */
export function dashboardUrl(nodeUrl: string): string {
  return new URL('/', nodeUrl).toString();
}

/** How long an opener may run before it is taken to have opened the page. */
const openWaitMs = 3000;

export interface OpenBrowserOptions {
  /** What opens a URL in the person's browser; xdg-open on Linux desktops. */
  readonly opener?: string;
}

/**
 * Asks the desktop to open `url` in a browser (xdg-open, `open` on macOS, `start` on Windows).
 * Resolves whether it could: a machine with no opener or no browser is not a failure, the URL is
 * printed anyway.
 * @example await openBrowser('http://127.0.0.1:8080/') // false on a server with no desktop
 */
export function openBrowser(url: string, { opener }: OpenBrowserOptions = {}): Promise<boolean> {
  const [command, args] =
    opener !== undefined
      ? [opener, [url]]
      : process.platform === 'darwin'
        ? ['open', [url]]
        : process.platform === 'win32'
          ? ['cmd', ['/c', 'start', '', url]]
          : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      // An opener that finds no browser exits non-zero at once; one that found one returns, or keeps running with it.
      const still = setTimeout(() => resolve(true), openWaitMs);
      child.once('error', () => (clearTimeout(still), resolve(false)));
      child.once('exit', (code) => (clearTimeout(still), resolve(code === 0)));
      child.unref();
    } catch {
      resolve(false);
    }
  });
}

/** A terminal on a desktop, where opening a browser is what a person expects. */
const onDesktop = () =>
  process.stdout.isTTY === true && (process.env.DISPLAY !== undefined || process.env.WAYLAND_DISPLAY !== undefined || process.platform === 'darwin');

/**
 * `ain ui [--node URL] [--open | --no-open]`: prints the dashboard's URL once the node answers,
 * and opens it in a browser when asked (`--open`), or by default on a terminal of a desktop.
 * Never fails for want of a browser.
 */
export async function uiCommand(args: string[], { json }: CommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { node: { type: 'string', default: defaultNodeUrl }, open: { type: 'boolean' }, 'no-open': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`ain ui takes no arguments, got "${positionals.join(' ')}".`);
  if (values.open === true && values['no-open'] === true) throw new UsageError('Give --open or --no-open, not both.');
  const url = dashboardUrl(values.node);
  const status = await getStatus({ url: values.node }); // NODE_UNREACHABLE
  const wanted = values.open === true || (values['no-open'] !== true && onDesktop());
  const opened = wanted ? await openBrowser(url) : false;
  if (json) return printJson({ url, chain: status.chain, height: status.height, opened });
  process.stdout.write(`${url}\n`);
  process.stderr.write(
    `ain ui: the dashboard of ${status.chain} (height ${status.height})${opened ? ', opened in your browser' : wanted ? '; no browser could be opened here, open the URL yourself' : ''}\n`,
  );
}
