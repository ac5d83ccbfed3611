import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../../src/primitives/hex.js';
import { MerkleAccumulator, merkleProof, merkleRoot, verifyMerkleProof } from '../../../src/primitives/merkle.js';

function h(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
}
const leaf = (d: Uint8Array): Uint8Array => h(Uint8Array.of(0), d);
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => h(Uint8Array.of(1), l, r);
const data = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8ToBytes(`leaf ${i}`));

/**
 * Root implied by a path under RFC 6962's recursive definition of PATH(m, D[n]),
 * or undefined if the path has the wrong length: an independent reference
 * for the iterative verifier.
 */
function impliedRoot(leafData: Uint8Array, index: number, size: number, path: readonly Uint8Array[]): Uint8Array | undefined {
  if (size === 1) return path.length === 0 ? leaf(leafData) : undefined;
  if (path.length === 0) return undefined;
  let k = 1;
  while (k * 2 < size) k *= 2;
  const last = path[path.length - 1]!;
  const rest = path.slice(0, -1);
  if (index < k) {
    const sub = impliedRoot(leafData, index, k, rest);
    return sub && node(sub, last);
  }
  const sub = impliedRoot(leafData, index - k, size - k, rest);
  return sub && node(last, sub);
}

// The certificate-transparency reference test data (RFC 6962 trees over
// these 8 leaves; also in transparency-dev/merkle's tests).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hexToBytes);
const CT_ROOTS = [
  '0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  '0xaeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '0x4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '0x76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  '0xddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_PROOFS: { index: number; size: number; path: string[] }[] = [
  {
    index: 0,
    size: 8,
    path: [
      '0x96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0x6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      '0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      '0xca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** MTH(D[n]) by RFC 6962's recursive definition: a reference apart from the accumulator that merkleRoot uses. */
function referenceRoot(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 1) return leaf(d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return node(referenceRoot(d.slice(0, k)), referenceRoot(d.slice(k)));
}

describe('MerkleAccumulator', () => {
  it('gives the root of every prefix as it grows, up to 70 leaves', () => {
    const d = data(70);
    const tree = new MerkleAccumulator();
    expect(tree.root()).toEqual(h());
    d.forEach((leafData, i) => {
      tree.append(leafData);
      // root() in between must not disturb later appends.
      expect(tree.root(), `size ${i + 1}`).toEqual(referenceRoot(d.slice(0, i + 1)));
    });
  });

  it('matches the certificate-transparency reference roots when the root is read only at the end', () => {
    for (let n = 1; n <= 8; n++) {
      const tree = new MerkleAccumulator();
      for (const leafData of CT_LEAVES.slice(0, n)) tree.append(leafData);
      expect(bytesToHex(tree.root()), `size ${n}`).toBe(CT_ROOTS[n - 1]);
    }
  });
});

describe('merkleRoot', () => {
  it('of no leaves is sha256 of the empty string', () => {
    expect(bytesToHex(merkleRoot([]))).toBe('0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches hand-built trees of 1, 2, 3, 5 and 7 leaves', () => {
    const d = data(7);
    const l = d.map(leaf);
    const n01 = node(l[0]!, l[1]!);
    const n23 = node(l[2]!, l[3]!);
    const n0123 = node(n01, n23);
    expect(merkleRoot(d.slice(0, 1))).toEqual(l[0]);
    expect(merkleRoot(d.slice(0, 2))).toEqual(n01);
    // Split at the largest power of two below n; the odd leaf is promoted, never duplicated.
    expect(merkleRoot(d.slice(0, 3))).toEqual(node(n01, l[2]!));
    expect(merkleRoot(d.slice(0, 5))).toEqual(node(n0123, l[4]!));
    expect(merkleRoot(d)).toEqual(node(n0123, node(node(l[4]!, l[5]!), l[6]!)));
  });

  it('matches the certificate-transparency reference roots', () => {
    for (let n = 1; n <= 8; n++) {
      expect(bytesToHex(merkleRoot(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n - 1]);
    }
  });

  it('distinguishes a leaf from the inner node with the same bytes', () => {
    const d = data(2);
    const l = d.map(leaf);
    const forged = Uint8Array.from([...l[0]!, ...l[1]!]);
    expect(merkleRoot([forged])).not.toEqual(merkleRoot(d));
  });

  it('hashes leaves of any size, large ones among small ones', () => {
    const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const small = utf8ToBytes('small');
    expect(bytesToHex(merkleRoot([small, big, small]))).toBe(bytesToHex(node(node(leaf(small), leaf(big)), leaf(small))));
  });

  it('does not equate a tree with its last leaf duplicated', () => {
    const d = data(3);
    expect(merkleRoot(d)).not.toEqual(merkleRoot([...d, d[2]!]));
  });
});

describe('merkleProof / verifyMerkleProof', () => {
  it('matches the certificate-transparency reference paths', () => {
    for (const { index, size, path } of CT_PROOFS) {
      const leaves = CT_LEAVES.slice(0, size);
      expect(merkleProof(leaves, index).map(bytesToHex)).toEqual(path);
      expect(verifyMerkleProof(leaves[index]!, index, size, path.map(hexToBytes), hexToBytes(CT_ROOTS[size - 1]!))).toBe(true);
    }
  });

  it('every proof of every index verifies for sizes 1..17', () => {
    for (let size = 1; size <= 17; size++) {
      const leaves = data(size);
      const root = merkleRoot(leaves);
      for (let i = 0; i < size; i++) {
        const proof = merkleProof(leaves, i);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size)));
        expect(verifyMerkleProof(leaves[i]!, i, size, proof, root), `size ${size} index ${i}`).toBe(true);
      }
    }
  });

  it('fails with a wrong sibling, index, size, leaf, root or path length', () => {
    for (let size = 2; size <= 17; size++) {
      const leaves = data(size);
      const root = merkleRoot(leaves);
      for (let i = 0; i < size; i++) {
        const proof = merkleProof(leaves, i);
        const ctx = `size ${size} index ${i}`;
        for (let j = 0; j < proof.length; j++) {
          const tampered = proof.map((p) => p.slice());
          tampered[j]![0]! ^= 1;
          expect(verifyMerkleProof(leaves[i]!, i, size, tampered, root), `${ctx} sibling ${j}`).toBe(false);
        }
        expect(verifyMerkleProof(leaves[i]!, (i + 1) % size, size, proof, root), `${ctx} index`).toBe(false);
        for (let other = i + 1; other <= 18; other++) {
          if (other === size) continue;
          const implied = impliedRoot(leaves[i]!, i, other, proof);
          const same = implied !== undefined && bytesToHex(implied) === bytesToHex(root);
          expect(verifyMerkleProof(leaves[i]!, i, other, proof, root), `${ctx} claimed size ${other}`).toBe(same);
        }
        expect(verifyMerkleProof(utf8ToBytes('forged'), i, size, proof, root), `${ctx} leaf`).toBe(false);
        expect(verifyMerkleProof(leaves[i]!, i, size, proof, merkleRoot(leaves.slice(1))), `${ctx} root`).toBe(false);
        expect(verifyMerkleProof(leaves[i]!, i, size, proof.slice(0, -1), root), `${ctx} short path`).toBe(false);
        expect(verifyMerkleProof(leaves[i]!, i, size, [...proof, root], root), `${ctx} long path`).toBe(false);
      }
    }
  });

  it('rejects a wrong size whenever the path shape differs', () => {
    const leaves = data(4);
    const root = merkleRoot(leaves);
    // Leaf 3 of 4 sits two levels down; in a tree of 5 it would sit three levels down.
    expect(verifyMerkleProof(leaves[3]!, 3, 5, merkleProof(leaves, 3), root)).toBe(false);
    // In a tree of 3, leaf 2 is promoted: one level, not two.
    expect(verifyMerkleProof(leaves[2]!, 2, 3, merkleProof(leaves, 2), root)).toBe(false);
  });

  it('does not pin the tree size where two sizes share the path shape (RFC 6962 property)', () => {
    // Leaf 0's path in a tree of 3 is [leaf 1, leaf 2], hashed exactly as
    // leaf 0's path in a tree of 4; the root still proves membership, but a
    // caller that needs the exact size must take it from a trusted source.
    const leaves = data(3);
    expect(verifyMerkleProof(leaves[0]!, 0, 4, merkleProof(leaves, 0), merkleRoot(leaves))).toBe(true);
  });

  it('a single-leaf tree has an empty proof', () => {
    const leaves = data(1);
    expect(merkleProof(leaves, 0)).toEqual([]);
    expect(verifyMerkleProof(leaves[0]!, 0, 1, [], merkleRoot(leaves))).toBe(true);
  });

  it('rejects impossible indexes', () => {
    const leaves = data(4);
    const root = merkleRoot(leaves);
    const proof = merkleProof(leaves, 0);
    expect(() => merkleProof(leaves, 4)).toThrow(RangeError);
    expect(() => merkleProof(leaves, -1)).toThrow(RangeError);
    expect(() => merkleProof([], 0)).toThrow(RangeError);
    expect(verifyMerkleProof(leaves[0]!, -1, 4, proof, root)).toBe(false);
    expect(verifyMerkleProof(leaves[0]!, 4, 4, proof, root)).toBe(false);
    expect(verifyMerkleProof(leaves[0]!, 0, 0, [], root)).toBe(false);
    expect(verifyMerkleProof(leaves[0]!, 0.5, 4, proof, root)).toBe(false);
  });
});
