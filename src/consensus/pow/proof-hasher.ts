/**
 * The miner's inner loop: sha256(sealHash ‖ nonce) (seal.ts) for one seal
 * hash and many nonces, without allocating.
 *
 * Why not node:crypto: each `hash()` call returns a new Buffer, and at about
 * 600,000 hashes a second the garbage keeps V8's scavenger busy. Scavenges run
 * on the process's shared GC helper threads, which do not inherit the miner
 * thread's low priority: they took about half a core from block import and
 * JSON-RPC on a 2-core machine. This hasher reuses its buffers, so the loop
 * makes no garbage at all.
 *
 * The 40-byte input is a single SHA-256 block (FIPS 180-4): message words
 * 0–7 are the seal hash, 8–9 the nonce, then the padding bit and the length
 * (320 bits). Rounds 0–7 read only the seal hash, so they run once per job.
 */

const K = Uint32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
const IV = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const SEAL_HASH_BYTES = 32;
/** Rounds that read only the seal hash, run once per seal hash. */
const FIXED_ROUNDS = 8;

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** Reads 32 big-endian bytes as 8 words: a 256-bit number, most significant word first. */
export function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length !== 32) throw new RangeError(`expected 32 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint32Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4));
}

/** a ≤ b for two 256-bit numbers given as 8 words each, most significant first. */
export function wordsAtMost(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < 8; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]!;
  }
  return true;
}

export class ProofHasher {
  readonly #w = new Uint32Array(64);
  /** The working variables a…h after the fixed rounds. */
  readonly #mid = new Uint32Array(8);
  readonly #digest = new Uint32Array(8);

  constructor(sealHash: Uint8Array) {
    if (sealHash.length !== SEAL_HASH_BYTES) throw new RangeError(`seal hash must be 32 bytes, got ${sealHash.length}`);
    const w = this.#w;
    w.set(bytesToWords(sealHash), 0);
    w[10] = 0x80000000;
    w[15] = (SEAL_HASH_BYTES + 8) * 8;
    this.#mid.set(IV);
    this.#rounds(this.#mid, 0, FIXED_ROUNDS);
  }

  /**
   * sha256(sealHash ‖ nonce) for the 64-bit nonce hi·2^32 + lo, as 8 words,
   * most significant first. The array is reused by the next call.
   */
  hash(hi: number, lo: number): Uint32Array {
    const w = this.#w;
    w[8] = hi;
    w[9] = lo;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[t] = w[t - 16]! + s0 + w[t - 7]! + s1;
    }
    const digest = this.#digest;
    digest.set(this.#mid);
    this.#rounds(digest, FIXED_ROUNDS, 64);
    for (let i = 0; i < 8; i++) digest[i] = digest[i]! + IV[i]!;
    return digest;
  }

  /** SHA-256 rounds [from, to) on the working variables in `v`, in place. */
  #rounds(v: Uint32Array, from: number, to: number): void {
    const w = this.#w;
    let a = v[0]!, b = v[1]!, c = v[2]!, d = v[3]!, e = v[4]!, f = v[5]!, g = v[6]!, h = v[7]!;
    for (let t = from; t < to; t++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    v[0] = a;
    v[1] = b;
    v[2] = c;
    v[3] = d;
    v[4] = e;
    v[5] = f;
    v[6] = g;
    v[7] = h;
  }
}
