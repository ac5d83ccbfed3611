import { describe, expect, it } from 'vitest';
import { DecodingError } from '../../../src/primitives/errors.js';
import { bigintToBytes, bytesToHex, hexToBytes, utf8ToBytes } from '../../../src/primitives/hex.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../../src/primitives/rlp.js';

// ethereum/tests RLPTests/rlptest.json. Strings are UTF-8 byte strings,
// "#digits" there is a big integer (here a bigint). "listofbinaries" is left
// out: its published output declares a 167-byte payload but carries 329.
const LONG_TEXT =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit. Curabitur mauris magna, suscipit sed vehicula non, iaculis faucibus tortor. Proin suscipit ultricies malesuada. Duis tortor elit, dictum quis tristique eu, ultrices at risus. Morbi a est imperdiet mi ullamcorper aliquet suscipit nec lorem. Aenean quis leo mollis, vulputate elit varius, consequat enim. Nulla ultrices turpis justo, et posuere urna consectetur nec. Proin non convallis metus. Donec tempor ipsum in mauris congue sollicitudin. Vestibulum ante ipsum primis in faucibus orci luctus et ultrices posuere cubilia Curae; Suspendisse convallis sem vel massa faucibus, eget lacinia lacus tempor. Nulla quis ultricies purus. Proin auctor rhoncus nibh condimentum mollis. Aliquam consequat enim at metus luctus, a eleifend purus egestas. Curabitur at nibh metus. Nam bibendum, neque at auctor tristique, lorem libero aliquet arcu, non interdum tellus lectus sit amet eros. Cras rhoncus, metus ac ornare cursus, dolor justo ultrices metus, at ullamcorper volutpat';
const LONG_TEXT_OUT =
  '0xb904004c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e73656374657475722061646970697363696e6720656c69742e20437572616269747572206d6175726973206d61676e612c20737573636970697420736564207665686963756c61206e6f6e2c20696163756c697320666175636962757320746f72746f722e2050726f696e20737573636970697420756c74726963696573206d616c6573756164612e204475697320746f72746f7220656c69742c2064696374756d2071756973207472697374697175652065752c20756c7472696365732061742072697375732e204d6f72626920612065737420696d70657264696574206d6920756c6c616d636f7270657220616c6971756574207375736369706974206e6563206c6f72656d2e2041656e65616e2071756973206c656f206d6f6c6c69732c2076756c70757461746520656c6974207661726975732c20636f6e73657175617420656e696d2e204e756c6c6120756c74726963657320747572706973206a7573746f2c20657420706f73756572652075726e6120636f6e7365637465747572206e65632e2050726f696e206e6f6e20636f6e76616c6c6973206d657475732e20446f6e65632074656d706f7220697073756d20696e206d617572697320636f6e67756520736f6c6c696369747564696e2e20566573746962756c756d20616e746520697073756d207072696d697320696e206661756369627573206f726369206c756374757320657420756c74726963657320706f737565726520637562696c69612043757261653b2053757370656e646973736520636f6e76616c6c69732073656d2076656c206d617373612066617563696275732c2065676574206c6163696e6961206c616375732074656d706f722e204e756c6c61207175697320756c747269636965732070757275732e2050726f696e20617563746f722072686f6e637573206e69626820636f6e64696d656e74756d206d6f6c6c69732e20416c697175616d20636f6e73657175617420656e696d206174206d65747573206c75637475732c206120656c656966656e6420707572757320656765737461732e20437572616269747572206174206e696268206d657475732e204e616d20626962656e64756d2c206e6571756520617420617563746f72207472697374697175652c206c6f72656d206c696265726f20616c697175657420617263752c206e6f6e20696e74657264756d2074656c6c7573206c65637475732073697420616d65742065726f732e20437261732072686f6e6375732c206d65747573206163206f726e617265206375727375732c20646f6c6f72206a7573746f20756c747269636573206d657475732c20617420756c6c616d636f7270657220766f6c7574706174';
const ASDF = ['asdf', 'qwer', 'zxcv'];
const ASDF_OUT = 'cf84617364668471776572847a786376';

const VALID: Record<string, { in: RlpInput; out: string }> = {
  emptystring: { in: '', out: '0x80' },
  bytestring00: { in: '\u0000', out: '0x00' },
  bytestring01: { in: '\u0001', out: '0x01' },
  bytestring7F: { in: '\u007F', out: '0x7f' },
  shortstring: { in: 'dog', out: '0x83646f67' },
  shortstring2: {
    in: 'Lorem ipsum dolor sit amet, consectetur adipisicing eli',
    out: '0xb74c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c69',
  },
  longstring: {
    in: 'Lorem ipsum dolor sit amet, consectetur adipisicing elit',
    out: '0xb8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974',
  },
  longstring2: { in: LONG_TEXT, out: LONG_TEXT_OUT },
  zero: { in: 0, out: '0x80' },
  smallint: { in: 1, out: '0x01' },
  smallint2: { in: 16, out: '0x10' },
  smallint3: { in: 79, out: '0x4f' },
  smallint4: { in: 127, out: '0x7f' },
  mediumint1: { in: 128, out: '0x8180' },
  mediumint2: { in: 1000, out: '0x8203e8' },
  mediumint3: { in: 100000, out: '0x830186a0' },
  mediumint4: { in: 83729609699884896815286331701780722n, out: '0x8f102030405060708090a0b0c0d0e0f2' },
  mediumint5: {
    in: 105315505618206987246253880190783558935785933862974822347068935681n,
    out: '0x9c0100020003000400050006000700080009000a000b000c000d000e01',
  },
  emptylist: { in: [], out: '0xc0' },
  stringlist: { in: ['dog', 'god', 'cat'], out: '0xcc83646f6783676f6483636174' },
  multilist: { in: ['zw', [4], 1], out: '0xc6827a77c10401' },
  shortListMax1: {
    in: ['asdf', 'qwer', 'zxcv', 'asdf', 'qwer', 'zxcv', 'asdf', 'qwer', 'zxcv', 'asdf', 'qwer'],
    out: '0xf784617364668471776572847a78637684617364668471776572847a78637684617364668471776572847a78637684617364668471776572',
  },
  longList1: {
    in: [ASDF, ASDF, ASDF, ASDF],
    out: '0xf840cf84617364668471776572847a786376cf84617364668471776572847a786376cf84617364668471776572847a786376cf84617364668471776572847a786376',
  },
  // 32 copies of ["asdf","qwer","zxcv"]; the published output is the same
  // 16-byte item 32 times after a 0x200-byte list header.
  longList2: { in: Array.from({ length: 32 }, () => ASDF), out: '0xf90200' + ASDF_OUT.repeat(32) },
  listsoflists: { in: [[[], []], []], out: '0xc4c2c0c0c0' },
  listsoflists2: { in: [[], [[]], [[], [[]]]], out: '0xc7c0c1c0c3c0c1c0' },
  dictTest1: {
    in: [
      ['key1', 'val1'],
      ['key2', 'val2'],
      ['key3', 'val3'],
      ['key4', 'val4'],
    ],
    out: '0xecca846b6579318476616c31ca846b6579328476616c32ca846b6579338476616c33ca846b6579348476616c34',
  },
  bigint: {
    in: 115792089237316195423570985008687907853269984665640564039457584007913129639936n,
    out: '0xa1010000000000000000000000000000000000000000000000000000000000000000',
  },
};

// ethereum/tests RLPTests/invalidRLPTest.json, plus truncation and trailing-byte cases.
const INVALID: Record<string, string> = {
  int32Overflow: '0xbf0f000000000000021111',
  int32Overflow2: '0xff0f000000000000021111',
  wrongSizeList: '0xf80180',
  wrongSizeList2: '0xf80100',
  incorrectLengthInArray: '0xb9002100dc2b275d0f74e8a53e6f4ec61b27f24278820be3f82ea2110e582081b0565df0',
  randomRLP:
    '0xf861f83eb9002100dc2b275d0f74e8a53e6f4ec61b27f24278820be3f82ea2110e582081b0565df027b90015002d5ef8325ae4d034df55d4b58d0dfba64d61ddd17be00000b9001a00dae30907045a2f66fa36f2bb8aa9029cbb0b8a7b3b5c435ab331',
  bytesShouldBeSingleByte00: '0x8100',
  bytesShouldBeSingleByte01: '0x8101',
  bytesShouldBeSingleByte7F: '0x817F',
  leadingZerosInLongLengthArray1:
    '0xb90040000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  leadingZerosInLongLengthArray2: '0xb800',
  leadingZerosInLongLengthList1:
    '0xfb00000040000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  leadingZerosInLongLengthList2: '0xf800',
  nonOptimalLongLengthArray1: '0xb81000112233445566778899aabbccddeeff',
  nonOptimalLongLengthArray2: '0xb801ff',
  nonOptimalLongLengthList1: '0xf810000102030405060708090a0b0c0d0e0f',
  nonOptimalLongLengthList2: '0xf803112233',
  emptyInput: '0x',
  truncatedString: '0x83646f',
  truncatedLongLength: '0xb9',
  truncatedLongString: '0xb838' + '61'.repeat(55),
  truncatedList: '0xc3c0c0',
  listItemPastListEnd: '0xc283646f67',
  trailingByteAfterString: '0x8000',
  trailingItemAfterList: '0xc0c0',
  trailingByteAfterSingleByte: '0x0101',
  // 40 nested lists, deeper than the decoder's limit of 32.
  tooDeep: bytesToHex(Uint8Array.from({ length: 40 }, (_, i) => 0xc0 + 39 - i)),
};

/** What rlpDecode should return for a vector's input. */
function expected(input: RlpInput): RlpValue {
  if (Array.isArray(input)) return input.map(expected);
  if (typeof input === 'string') return utf8ToBytes(input);
  if (typeof input === 'number' || typeof input === 'bigint') return bigintToBytes(BigInt(input));
  return input;
}

/** Hex tree, so that views and copies of the same bytes compare equal. */
type HexTree = string | HexTree[];
function hexTree(value: RlpValue): HexTree {
  return Array.isArray(value) ? value.map(hexTree) : bytesToHex(value);
}

describe('rlp: ethereum/tests rlptest.json', () => {
  for (const [name, vector] of Object.entries(VALID)) {
    it(`${name} encodes and decodes`, () => {
      expect(bytesToHex(rlpEncode(vector.in))).toBe(vector.out);
      const decoded = rlpDecode(hexToBytes(vector.out));
      expect(hexTree(decoded)).toEqual(hexTree(expected(vector.in)));
      expect(bytesToHex(rlpEncode(decoded))).toBe(vector.out);
    });
  }
});

describe('rlp: integers', () => {
  it('encode as their minimal big-endian bytes, either side of the small-integer path', () => {
    const values = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 64n, 2n ** 256n - 1n];
    for (const n of values) {
      const asBytesValue = bytesToHex(rlpEncode(bigintToBytes(n)));
      expect(bytesToHex(rlpEncode(n)), `${n}`).toBe(asBytesValue);
      if (n <= BigInt(Number.MAX_SAFE_INTEGER)) expect(bytesToHex(rlpEncode(Number(n))), `${n}`).toBe(asBytesValue);
      expect(bytesToHex(rlpEncode([n, [n]])), `${n}`).toBe(bytesToHex(rlpEncode([bigintToBytes(n), [bigintToBytes(n)]])));
    }
  });
});

describe('rlp: invalid encodings', () => {
  for (const [name, hex] of Object.entries(INVALID)) {
    it(`${name} is rejected`, () => {
      expect(() => rlpDecode(hexToBytes(hex))).toThrow(DecodingError);
    });
  }

  it('accepts nesting up to the depth limit', () => {
    // 30 nested empty lists: c1..c1 wrapping down to c0 (header i wraps i bytes).
    const depth = 30;
    const bytes = Array.from({ length: depth + 1 }, (_, i) => 0xc0 + depth - i);
    expect(() => rlpDecode(Uint8Array.from(bytes))).not.toThrow();
  });
});

describe('rlp: typed accessors', () => {
  const item = rlpDecode(rlpEncode([1000, 'dog', [], Uint8Array.of(0, 1)]));

  it('read fields of the expected shape', () => {
    const fields = asList(item, 'test', 4);
    expect(asNumber(fields[0], 'n')).toBe(1000);
    expect(bytesToHex(asBytes(fields[1], 'b', 3))).toBe('0x646f67');
    expect(asList(fields[2]!, 'l')).toHaveLength(0);
  });

  it('name the field when the shape is wrong', () => {
    const fields = asList(item, 'test');
    expect(() => asList(item, 'tx', 5)).toThrow(/tx: expected 5 fields, got 4/);
    expect(() => asList(fields[0]!, 'nonce')).toThrow(/nonce: expected an RLP list/);
    expect(() => asBytes(fields[2], 'to')).toThrow(/to: expected a byte string/);
    expect(() => asBytes(fields[1], 'to', 20)).toThrow(/to: expected 20 bytes, got 3/);
    expect(() => asBigint(fields[3], 'value')).toThrow(/value: integer has leading zero bytes/);
    expect(() => asBigint(rlpDecode(rlpEncode(new Uint8Array(33).fill(1))), 'value')).toThrow(DecodingError);
    expect(() => asNumber(rlpDecode(rlpEncode(2n ** 53n)), 'gas')).toThrow(/gas: integer too large/);
    expect(() => asBytes(undefined, 'missing')).toThrow(DecodingError);
  });
});

describe('rlp: encoder input checks', () => {
  it('refuses negative and unsafe numbers', () => {
    expect(() => rlpEncode(-1)).toThrow(RangeError);
    expect(() => rlpEncode(2 ** 53)).toThrow(RangeError);
    expect(() => rlpEncode(1.5)).toThrow(RangeError);
    expect(() => rlpEncode(-1n)).toThrow(RangeError);
  });
});
