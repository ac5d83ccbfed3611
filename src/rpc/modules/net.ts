import { toQuantity } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { MethodTable } from '../dispatch.js';
import { arity } from '../params.js';

/** net_: MetaMask and older tooling read the network id from net_version (a decimal string, = chain id). */
export function netMethods(backend: RpcBackend): MethodTable {
  const version = backend.chainId.toString(10);
  return {
    net_version: (params) => {
      arity(params, 0, 0);
      return version;
    },
    net_listening: (params) => {
      arity(params, 0, 0);
      return true;
    },
    net_peerCount: (params) => {
      arity(params, 0, 0);
      return toQuantity(backend.peerCount());
    },
  };
}
