/**
 * Promise.withResolvers for Node 20 (it arrived in Node 22). libp2p 3, yamux,
 * ping and @libp2p/utils call it, so `createLibp2p` throws without it
 * (STACK.md). Import this module first, before anything that loads libp2p;
 * on Node 22+ it changes nothing.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolvers = <T>() => Resolvers<T>;

const PromiseConstructor = Promise as unknown as { withResolvers?: WithResolvers };

if (typeof PromiseConstructor.withResolvers !== 'function') {
  const withResolvers: WithResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', { value: withResolvers, writable: true, configurable: true });
}

export {};
