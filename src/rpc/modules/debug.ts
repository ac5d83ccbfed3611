import { bytesToHex } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { ChainView } from '../chain-view.js';
import type { MethodTable } from '../dispatch.js';
import { arity, blockTag, hash32 } from '../params.js';

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
      const ref = params[0];
      const bytes =
        typeof ref === 'string' && ref.length === 66
          ? await backend.getEncodedBlockByHash(hash32(ref, 0, 'blockHash'))
          : await backend.getEncodedBlockByNumber(chain.numberOf(blockTag(ref, 0)));
      return bytes === undefined ? null : bytesToHex(bytes);
    },
  };
}
