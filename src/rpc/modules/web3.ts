import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { MethodTable } from '../dispatch.js';
import { arity, data } from '../params.js';

export function web3Methods(backend: RpcBackend): MethodTable {
  return {
    web3_clientVersion: (params) => {
      arity(params, 0, 0);
      return backend.clientVersion;
    },
    // keccak256 of the given bytes (not of the hex text), as geth.
    web3_sha3: (params) => {
      arity(params, 1, 1);
      return bytesToHex(keccak256(data(params[0], 0, 'data')));
    },
  };
}
