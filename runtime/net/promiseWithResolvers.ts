// libp2p 3 and its helpers (mortice, @libp2p/utils, yamux, it-queue) call Promise.withResolvers,
// which Node has from 22 on; on Node 20 a stopping libp2p node throws without it. The libp2p
// transport imports this module before libp2p. Nothing else of Node 22 is needed: the other
// newer calls in those packages (Array.prototype.findLast, AbortSignal.any) exist in Node 20.
interface WithResolvers {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
}

const promise = Promise as unknown as WithResolvers;
if (typeof promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new Promise<T>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      return { promise: created, resolve, reject };
    },
  });
}
