import { generatePrivateKey } from '../../primitives/keys.js';
import { parse } from '../args.js';
import { UsageError } from '../errors.js';
import { keyFileFor, writeKeyFile } from '../keyfile.js';

export const KEYS_USAGE = `Usage: cairn keys new [--out <file>] [--force]

Creates a new secp256k1 key.
  --out <file>   write it as a key file (JSON, mode 0600) and print its address;
                 without --out the key is printed to stdout
  --force        overwrite an existing file`;

export async function keysCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, KEYS_USAGE);
  if (values.help) return print(KEYS_USAGE);
  if (positionals[0] !== 'new' || positionals.length > 1) throw new UsageError(KEYS_USAGE);
  const key = generatePrivateKey();
  if (values.out) {
    const file = await writeKeyFile(values.out, key, values.force === true);
    print(`address ${file.address}`);
    print(`key file ${values.out} (unencrypted, mode 0600: keep it private)`);
  } else {
    print(JSON.stringify(keyFileFor(key), null, 2));
  }
}
