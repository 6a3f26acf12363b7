import type { ComponentLogger, Logger as Libp2pLogger } from '@libp2p/interface';
import { format } from 'node:util';
import type { Logger } from 'pino';

/** libp2p's own format letters (%p peer id, %a multiaddr, %b, %c, %e error, %k key, %t) print as strings. */
const libp2pFormat = /%[pabcekt]/g;

/**
 * libp2p's component logs, in the node's log: its messages at trace and its errors at debug (most
 * are a peer going away, not a fault of this node). A scope per stream costs nothing until a line
 * is written at a level the logger keeps.
 * @example createLibp2p({ logger: libp2pLogger(logger), … })
 */
export function libp2pLogger(logger: Logger): ComponentLogger {
  const render = (formatter: unknown, args: unknown[]) =>
    typeof formatter === 'string' ? format(formatter.replace(libp2pFormat, '%s'), ...args) : format(formatter, ...args);
  const forComponent = (component: string): Libp2pLogger => {
    const line =
      (level: 'trace' | 'debug') =>
      (formatter: unknown, ...args: unknown[]) => {
        if (logger.isLevelEnabled(level)) logger[level]({ libp2p: component }, render(formatter, args));
      };
    return Object.assign(line('trace'), {
      error: line('debug'),
      trace: line('trace'),
      enabled: logger.isLevelEnabled('trace'),
      newScope: (name: string) => forComponent(`${component}:${name}`),
    });
  };
  return { forComponent };
}
