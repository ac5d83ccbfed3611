import { CairnError } from '../../primitives/errors.js';
import { bytesToHex } from '../../primitives/hex.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { parsePowParams, type PowParams } from '../pow/params.js';
import { nextDifficulty } from '../pow/retarget.js';
import { decodeSection, powTarget, proofValue, sealHash } from '../pow/seal.js';
import { badHeader, decodingHeader, LightClientError, LightErrorCode } from './errors.js';
import { readObject, type JsonObject } from './json.js';
import type { LightAnchor, LightChain, LightClient, LightEngine, LightFindings } from './types.js';

/**
 * The proof-of-work light client. A proof's PoW section is empty: headers
 * carry their own evidence. Offline it checks, for every header but genesis,
 * that the seal meets the header's difficulty (pow/seal.ts) and, between
 * consecutive headers, that the difficulty follows the retarget rule
 * (pow/retarget.ts) with the parameters genesis commits to. What it cannot
 * give: finality (probabilistic, by depth) and, unless the headers start at
 * genesis, that they belong to this chain at all: nothing in a PoW header
 * names its chain.
 */

export const powLight: LightEngine = {
  kind: 'pow',
  async collect(): Promise<JsonObject> {
    return {};
  },
  open(chain: LightChain, section: unknown): LightClient {
    readObject(section, 'engine', []);
    let params: PowParams;
    try {
      params = parsePowParams(chain.params);
    } catch (error) {
      if (!(error instanceof CairnError)) throw error;
      throw new LightClientError(LightErrorCode.BadParams, `the chain's PoW parameters: ${error.message}`, { cause: error });
    }
    return new PowLightClient(params, chain);
  },
};

class PowLightClient implements LightClient {
  readonly #params: PowParams;
  readonly #chain: LightChain;

  constructor(params: PowParams, chain: LightChain) {
    this.#params = params;
    this.#chain = chain;
  }

  verifyHeaders(headers: readonly BlockHeader[]): LightFindings {
    const sealed = headers.filter((header) => header.number > 0);
    let work = 0n;
    let lowest: bigint | undefined;
    headers.forEach((header, i) => {
      if (header.number === 0) return;
      const { difficulty, nonce } = section(header);
      const parent = headers[i - 1];
      if (parent !== undefined) {
        const parentSection = section(parent);
        const expected = nextDifficulty(
          { number: parent.number, timestamp: parent.timestamp, difficulty: parentSection.difficulty },
          header.timestamp,
          this.#params,
        );
        if (difficulty !== expected) {
          throw badHeader(
            `block #${header.number} has difficulty ${difficulty}, but the retarget rule gives ${expected} ` +
              `(parent difficulty ${parentSection.difficulty}, stamped ${header.timestamp - parent.timestamp} ms after its parent)`,
          );
        }
      } else if (difficulty < this.#params.minDifficulty) {
        throw badHeader(`block #${header.number} has difficulty ${difficulty}, below the chain's minimum ${this.#params.minDifficulty}`);
      }
      const proof = proofValue(sealHash(header, difficulty), nonce);
      if (proof > powTarget(difficulty)) {
        throw badHeader(`block #${header.number} has an invalid seal: its proof of work (nonce ${bytesToHex(nonce)}) does not meet its difficulty ${difficulty}`);
      }
      work += difficulty;
      if (lowest === undefined || difficulty < lowest) lowest = difficulty;
    });
    const proven: string[] = [];
    const notProven: string[] = [];
    const first = headers[0];
    const last = headers[headers.length - 1];
    if (first === undefined || last === undefined || sealed.length === 0) return { proven, notProven };
    proven.push(
      `${eachHeader(sealed[0]!.number, last.number)} carries valid proof of work for its difficulty ` +
        `(${sealed.length} blocks, ${work} hashes expected in total, lowest difficulty ${lowest})`,
    );
    const { targetBlockTimeMs, halfLifeMs, minDifficulty } = this.#params;
    const rule = `target ${targetBlockTimeMs} ms per block, half-life ${halfLifeMs} ms, minimum ${minDifficulty}`;
    if (first.number === 0) {
      proven.push(`${eachDifficulty(1, last.number)} follows the retarget rule from its parent (${rule})`);
    } else {
      if (last.number > first.number) {
        proven.push(`${eachDifficulty(first.number + 1, last.number)} follows the retarget rule from its parent (${rule})`);
      }
      notProven.push(`the difficulty of block #${first.number} itself: its parent is not in the proof (it is at least the chain's minimum, ${minDifficulty})`);
      notProven.push(
        `that the chain of genesis ${bytesToHex(this.#chain.genesisHash)} holds ${theHeaders(first.number, last.number)}: ` +
          `a proof-of-work header does not name its chain and these headers do not reach back to genesis; ` +
          `compare block #${last.number}'s hash with a node you trust, or ask for a proof from genesis`,
      );
    }
    return { proven, notProven };
  }

  verifyFinality(anchor: LightAnchor): LightFindings {
    const n = anchor.header.number;
    const { confirmations } = this.#params;
    if (anchor.finalized) {
      return {
        proven: [],
        notProven: [
          `that block #${n} is final: proof-of-work finality is probabilistic. The node served it as final by depth ` +
            `(this chain treats ${confirmations} confirmations as final; the node reported its head at #${anchor.headNumber}), ` +
            `but the blocks above #${n} are not in the proof`,
        ],
      };
    }
    return {
      proven: [],
      notProven: [
        `that block #${n} is final: it is the node's head, and a heavier chain can still replace it ` +
          `(proof-of-work finality is probabilistic; this chain treats ${confirmations} confirmations as final)`,
      ],
    };
  }
}

function section(header: BlockHeader): ReturnType<typeof decodeSection> {
  return decodingHeader(() => decodeSection(header));
}

function eachHeader(from: number, to: number): string {
  return from === to ? `the header of block #${from}` : `each header from #${from} to #${to}`;
}

function eachDifficulty(from: number, to: number): string {
  return from === to ? `the difficulty of block #${from}` : `each difficulty from #${from} to #${to}`;
}

function theHeaders(from: number, to: number): string {
  return from === to ? `the header of block #${from}` : `the headers from #${from} to #${to}`;
}
