import { sha256 } from './hash.js';
import { equalBytes } from './hex.js';

/**
 * Binary Merkle tree of RFC 6962 (Certificate Transparency), section 2.1.
 * Leaf and node hashes carry different prefixes so a leaf can never pass for
 * an inner node, and an odd subtree is split at the largest power of two
 * rather than padded with a copy of the last leaf (Bitcoin's CVE-2012-2459).
 */

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/**
 * The prefixed input is assembled here rather than in a fresh array: a tree
 * hashes two inputs per leaf, and sha256 reads its input before returning.
 */
const scratch = new Uint8Array(1024);

function prefixedHash(prefix: number, first: Uint8Array, second?: Uint8Array): Uint8Array {
  const length = 1 + first.length + (second?.length ?? 0);
  const input = length <= scratch.length ? scratch.subarray(0, length) : new Uint8Array(length);
  input[0] = prefix;
  input.set(first, 1);
  if (second !== undefined) input.set(second, 1 + first.length);
  return sha256(input);
}

function leafHash(data: Uint8Array): Uint8Array {
  return prefixedHash(LEAF_PREFIX, data);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return prefixedHash(NODE_PREFIX, left, right);
}

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return hashes[start]!;
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(hashes, start, start + k), subtreeRoot(hashes, start + k, end));
}

/**
 * MTH of a list that only grows, for a block template that takes more
 * transactions: append() costs one leaf hash and on average one node hash,
 * root() folds at most log2(n) subtree roots, so a root after each of many
 * appends does not hash the whole list again.
 *
 * It keeps the roots of the perfect subtrees whose sizes are the 1 bits of
 * the count, largest (leftmost) first. RFC 6962 splits a tree at the
 * largest power of two below its size, so the tree of n leaves is the
 * largest perfect subtree joined with the tree of the rest: folding the
 * subtree roots from the right gives MTH.
 */
export class MerkleAccumulator {
  readonly #peaks: Uint8Array[] = [];
  #count = 0;

  append(leaf: Uint8Array): void {
    let hash = leafHash(leaf);
    // Each trailing 1 bit of the count is a last peak of that size: joined
    // with the new subtree it makes the next size, as a binary increment carries.
    for (let count = this.#count; count & 1; count >>>= 1) hash = nodeHash(this.#peaks.pop()!, hash);
    this.#peaks.push(hash);
    this.#count++;
  }

  /** MTH of the leaves so far; of none, sha256 of the empty string. */
  root(): Uint8Array {
    const peaks = this.#peaks;
    if (peaks.length === 0) return sha256(new Uint8Array(0));
    let root = peaks[peaks.length - 1]!;
    for (let i = peaks.length - 2; i >= 0; i--) root = nodeHash(peaks[i]!, root);
    return root;
  }
}

/** MTH(D[n]); the root of no leaves is sha256 of the empty string. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const tree = new MerkleAccumulator();
  for (const leaf of leaves) tree.append(leaf);
  return tree.root();
}

/** Audit path PATH(m, D[n]) of leaf `index`, ordered from the leaf upward. */
export function merkleProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const hashes = leaves.map(leafHash);
  const path: Uint8Array[] = [];
  // Walk down from the root, then reverse: the RFC defines the path top-down
  // recursively but lists it bottom-up.
  let start = 0;
  let end = leaves.length;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(subtreeRoot(hashes, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(hashes, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * Verifies an audit path (RFC 9162 section 2.1.3.2, which restates the
 * RFC 6962 algorithm precisely), including that the path has exactly the
 * length the tree size implies.
 */
export function verifyMerkleProof(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip levels where this node is a lone right edge promoted unchanged.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}
