import * as secp from '@noble/secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigintToFixedBytes, bytesToHex, concatBytes, hexToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import type { RecoverRequest, RecoveryBackend } from '../../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend } from '../../../../src/primitives/recover/index.js';
import { rlpDecode, rlpEncode, type RlpValue } from '../../../../src/primitives/rlp.js';
import { SECP256K1_HALF_N } from '../../../../src/primitives/signature.js';
import { decodeTransaction } from '../../../../src/ledger/tx/decode.js';
import { signingHash, signTransaction } from '../../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../../src/ledger/tx/errors.js';
import { SenderRecovery } from '../../../../src/ledger/tx/sender.js';
import type { Transaction, UnsignedTransaction } from '../../../../src/ledger/tx/types.js';

const KEYS = [
  hexToBytes('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'),
  hexToBytes('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'),
  hexToBytes('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'),
];
const TO = hexToBytes('0x90f79bf6eb2c4f870365e785982e1f101e93b906');

function transfer(nonce: bigint, key: Uint8Array = KEYS[0]!): Transaction {
  const unsigned: UnsignedTransaction = {
    type: 2,
    chainId: 31337n,
    nonce,
    gasPrice: null,
    maxFeePerGas: 100n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21_000n,
    to: TO,
    value: 5n,
    data: new Uint8Array(0),
    accessList: [],
  };
  return signTransaction(unsigned, key);
}

/** In-thread noble recovery that counts what reaches it. */
class CountingBackend implements RecoveryBackend {
  readonly name = 'noble-workers' as const;
  calls = 0;
  requests = 0;

  async recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    this.calls++;
    this.requests += requests.length;
    return requests.map((req) => {
      try {
        const sig = concatBytes(Uint8Array.of(req.recoveryId), req.signature);
        return secp.recoverPublicKey(sig, req.msgHash, { prehash: false, isCompressed: false });
      } catch {
        return null;
      }
    });
  }

  async close(): Promise<void> {}
}

/** Re-encodes a typed transaction with another r and s; the signed payload is untouched. */
function withSignature(tx: Transaction, r: bigint, s: bigint): Transaction {
  const fields = rlpDecode(tx.raw.subarray(1)) as RlpValue[];
  const raw = concatBytes(tx.raw.subarray(0, 1), rlpEncode([...fields.slice(0, -2), r, s]));
  return decodeTransaction(raw);
}

function isCurveX(x: bigint): boolean {
  try {
    secp.Point.fromBytes(concatBytes(Uint8Array.of(2), bigintToFixedBytes(x, 32)));
    return true;
  } catch {
    return false;
  }
}

describe('SenderRecovery (counting backend)', () => {
  it('recovers a batch in one backend call and returns each tx with its sender, in order', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const txs = KEYS.map((key, i) => transfer(BigInt(i), key));
    const signed = await recovery.recover(txs);
    expect(backend.calls).toBe(1);
    expect(backend.requests).toBe(3);
    expect(signed.map((tx) => tx.from)).toEqual(KEYS.map(addressOfPrivateKey));
    signed.forEach((tx, i) => expect(tx).toEqual({ ...txs[i]!, from: addressOfPrivateKey(KEYS[i]!) }));
    expect(recovery.backendName).toBe('noble-workers');
  });

  it('costs no backend call for a transaction already recovered', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const a = transfer(0n);
    const b = transfer(1n);
    await recovery.recover([a]);
    expect(backend.requests).toBe(1);
    // The same tx decoded again (as block import would) hits the cache.
    const again = await recovery.recover([decodeTransaction(a.raw)]);
    expect(backend.calls).toBe(1);
    expect(again[0]!.from).toEqual(addressOfPrivateKey(KEYS[0]!));
    await recovery.recover([a, b]);
    expect(backend.calls).toBe(2);
    expect(backend.requests).toBe(2);
  });

  it('recovers a transaction repeated within a batch once', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const a = transfer(0n);
    const signed = await recovery.recover([a, a, transfer(1n), a]);
    expect(backend.requests).toBe(2);
    expect(signed).toHaveLength(4);
    expect(signed[3]!.hash).toEqual(a.hash);
  });

  it('evicts the oldest entry when full', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend, 2);
    const [a, b, c] = [transfer(0n), transfer(1n), transfer(2n)];
    // A batch larger than the cache still gets every sender.
    expect(await recovery.recover([a!, b!, c!])).toHaveLength(3);
    expect(backend.requests).toBe(3);
    await recovery.recover([c!]);
    expect(backend.requests).toBe(3);
    await recovery.recover([a!]); // evicted first; recovering it again evicts b
    expect(backend.requests).toBe(4);
    await recovery.recover([b!]);
    expect(backend.requests).toBe(5);
  });

  it('caches nothing with a cache size of 0', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend, 0);
    const a = transfer(0n);
    await recovery.recover([a]);
    await recovery.recover([a]);
    expect(backend.requests).toBe(2);
  });

  it('hands back a transaction it returned as it is, without a backend call', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const [signed] = await recovery.recover([transfer(0n)]);
    const [again] = await recovery.recover([signed!]);
    expect(again).toBe(signed);
    expect(backend.requests).toBe(1);
  });

  it('does not trust a from it did not hand out: a copy carrying another sender gets the recovered one', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const [signed] = await recovery.recover([transfer(0n)]);
    const forged = { ...signed!, from: addressOfPrivateKey(KEYS[1]!) };
    const [checked] = await recovery.recover([forged]);
    expect(checked).not.toBe(forged);
    expect(checked!.from).toEqual(addressOfPrivateKey(KEYS[0]!));
    // Equal bytes are not enough either: only the array it handed out counts.
    const lookalike = { ...signed!, from: addressOfPrivateKey(KEYS[0]!) };
    expect((await recovery.recover([lookalike]))[0]).not.toBe(lookalike);
    expect(backend.requests).toBe(1);
  });

  it('recovers again a transaction whose sender the cache no longer holds', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend, 0);
    const [signed] = await recovery.recover([transfer(0n)]);
    const [again] = await recovery.recover([signed!]);
    expect(again!.from).toEqual(signed!.from);
    expect(backend.requests).toBe(2);
  });

  it('refuses a negative cache size', () => {
    expect(() => new SenderRecovery(new CountingBackend(), -1)).toThrow(RangeError);
  });

  it('names the first transaction that recovers no sender, caches the others and not the failure', async () => {
    const backend = new CountingBackend();
    const recovery = new SenderRecovery(backend);
    const good = transfer(0n);
    let r = good.r + 1n;
    while (isCurveX(r)) r++;
    const bad = withSignature(good, r, good.s);
    await expect(recovery.recover([good, bad])).rejects.toThrow(
      new InvalidTransactionError(TxErrorCode.InvalidSignature, `invalid signature: no sender recovers from transaction ${bytesToHex(bad.hash)}`),
    );
    await expect(recovery.recover([good])).resolves.toHaveLength(1);
    expect(backend.requests).toBe(2);
    await expect(recovery.recover([bad])).rejects.toMatchObject({ code: TxErrorCode.InvalidSignature });
    expect(backend.requests).toBe(3);
  });
});

describe('SenderRecovery (real backend)', () => {
  let backend: RecoveryBackend;
  beforeAll(async () => {
    backend = await loadRecoveryBackend({ prefer: 'native' });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('recovers the signer of each transaction', async () => {
    const recovery = new SenderRecovery(backend);
    const signed = await recovery.recover(KEYS.map((key) => transfer(0n, key)));
    expect(signed.map((tx) => bytesToHex(tx.from))).toEqual(KEYS.map((key) => bytesToHex(addressOfPrivateKey(key))));
  });

  it('gives a tampered s another sender: the signature no longer names the signer', async () => {
    const good = transfer(0n);
    const s = good.s < SECP256K1_HALF_N ? good.s + 1n : good.s - 1n;
    const tampered = withSignature(good, good.r, s);
    expect(tampered.hash).not.toEqual(good.hash);
    expect(signingHash(tampered)).toEqual(signingHash(good));
    const [recovered] = await new SenderRecovery(backend).recover([tampered]);
    expect(recovered!.from).toHaveLength(20);
    expect(recovered!.from).not.toEqual(addressOfPrivateKey(KEYS[0]!));
  });

  it('gives a tampered payload another sender', async () => {
    const good = transfer(0n);
    const fields = rlpDecode(good.raw.subarray(1)) as RlpValue[];
    // value 5 → 6, signature kept
    const raw = concatBytes(Uint8Array.of(2), rlpEncode([...fields.slice(0, 6), 6n, ...fields.slice(7)]));
    const tampered = decodeTransaction(raw);
    expect(tampered.value).toBe(6n);
    const [recovered] = await new SenderRecovery(backend).recover([tampered]);
    expect(recovered!.from).not.toEqual(addressOfPrivateKey(KEYS[0]!));
  });

  it('rejects an r that is no curve point', async () => {
    const good = transfer(0n);
    let r = good.r + 1n;
    while (isCurveX(r)) r++;
    await expect(new SenderRecovery(backend).recover([withSignature(good, r, good.s)])).rejects.toMatchObject({
      code: TxErrorCode.InvalidSignature,
    });
  });
});
