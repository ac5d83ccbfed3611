import { describe, expect, it } from 'vitest';
import { readChunked } from '../../../../scripts/lib/http-rpc.js';

const HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('readChunked', () => {
  it('joins the chunks and says where the message ends', () => {
    const message = `${HEAD}4\r\n{"id\r\n9;ext=1\r\n":1,"x":2\r\n1\r\n}\r\n0\r\n\r\n`;
    expect(readChunked(bytes(message), HEAD.length)).toEqual({ body: '{"id":1,"x":2}', total: message.length });
  });

  it('leaves what follows the message alone', () => {
    const message = `${HEAD}2\r\n{}\r\n0\r\n\r\n`;
    expect(readChunked(bytes(`${message}HTTP/1.1 200 OK`), HEAD.length)?.total).toBe(message.length);
  });

  it('waits while any part of the message is missing', () => {
    const message = `${HEAD}a\r\n{"id":123}\r\n0\r\n\r\n`;
    for (let cut = HEAD.length; cut < message.length; cut++) {
      expect(readChunked(bytes(message.slice(0, cut)), HEAD.length)).toBeUndefined();
    }
  });

  it('decodes UTF-8 split across chunks', () => {
    const euro = Buffer.from('€', 'utf8');
    const message = Buffer.concat([bytes(`${HEAD}1\r\n`), euro.subarray(0, 1), bytes('\r\n2\r\n'), euro.subarray(1), bytes('\r\n0\r\n\r\n')]);
    expect(readChunked(message, HEAD.length)?.body).toBe('€');
  });

  it('refuses a size line that is not hexadecimal', () => {
    expect(() => readChunked(bytes(`${HEAD}zz\r\n{}\r\n0\r\n\r\n`), HEAD.length)).toThrow(/bad chunk size line: zz/);
  });
});
