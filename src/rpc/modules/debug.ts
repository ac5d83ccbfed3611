import { bytesToHex } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { ChainView } from '../chain-view.js';
import type { MethodTable } from '../dispatch.js';
import { arity, blockNumberOrHash } from '../params.js';

/**
 * debug_: geth's raw-data methods that tools (and Cairn's own test
 * harnesses and proof builders) use to get a block exactly as it is
 * hashed and gossiped.
 */
export function debugMethods(backend: RpcBackend, chain: ChainView): MethodTable {
  return {
    /** The block's encoding (header, transactions, consensus body) as hex, by number, tag or hash; null when unknown. */
    debug_getRawBlock: async (params) => {
      arity(params, 1, 1);
      const ref = blockNumberOrHash(params[0], 0);
      const bytes =
        typeof ref === 'object' ? await backend.getEncodedBlockByHash(ref.blockHash) : await backend.getEncodedBlockByNumber(chain.numberOf(ref));
      return bytes === undefined ? null : bytesToHex(bytes);
    },
  };
}
