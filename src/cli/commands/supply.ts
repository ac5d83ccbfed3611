import { readFile, writeFile } from 'node:fs/promises';
import {
  decodeEventLog,
  eventToJson,
  ID_RULE,
  ITEM_STATUSES,
  itemIdHash,
  SUPPLY_ADDRESS,
  type ItemStatus,
  type SupplyOp,
} from '../../ledger/modules/supply/index.js';
import { verifyProof, type ProofDocument, type VerifyOptions } from '../../node/provenance/index.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { bytesToHex, hexToBytes } from '../../primitives/hex.js';
import { addressArg, DEFAULT_RPC_URL, parse, parsePositiveInt, parseWholeNumber } from '../args.js';
import { UsageError } from '../errors.js';
import { RpcClient, RpcClientError } from '../rpc-client.js';
import { loadSigningKey, signAndSubmit, waitOptions, type CliReceipt } from '../submit.js';
import { ItemNotFoundError } from '../supply/errors.js';
import { WsRpcClient } from '../ws-client.js';
import {
  describeEvents,
  formatHistory,
  formatItem,
  formatLineage,
  formatPage,
  formatVerifyReport,
  formatWatched,
  type EventView,
  type HistoryView,
  type ItemView,
  type LineageView,
  type PageView,
} from '../supply/format.js';
import { operationData, parseBizStep, parseDisposition, parseMetadata, parseOutput, parseReadings } from '../supply/ops.js';

type Print = (line: string) => void;

const SIGNING = `(--key <file> | --private-key <hex>) [--no-wait] [--timeout <s>] [--rpc <url>]`;

export const SUPPLY_USAGE = `Usage: cairn supply <command> [options]   (cairn supply <command> --help for details)

Supply-chain tracking (the supply module at ${bytesToHex(SUPPLY_ADDRESS)}) over JSON-RPC
(--rpc <url>, default ${DEFAULT_RPC_URL}). Writes are signed here, with --key <file> or
--private-key <hex>, and wait for their receipt; a refused one prints the reason and exits 1.

Writes (only the current custodian may act on an item):
  register <id> --kind <kind> [--metadata <json>]         a new item; you own and hold it
  transfer <id> --to <address>                            hand custody over
  checkpoint <id> --biz-step <step> --disposition <disp>  record what happened to it, where, with
             [--location <text>] [--reading name=value[unit]]...   which sensor readings
  transform --input <id>... --output <id:kind>...         consume inputs, create outputs
                                                          (merge, split, processing)
  close <id> [--reason <text>]                            take it out of the chain of custody
Reads (readable text; --json for the node's raw answer):
  item <id>                        the item now
  history <id>                     its events in order, with block, time and signer
  lineage <id>                     what it was made from and what was made of it
  list                             items by --owner, --custodian or --status
  proof <id> [--out <file>]        a provenance proof of its history (JSON)
  export <id> [--out <file>]       its history as a GS1 EPCIS 2.0 JSON document
  watch [<id>]                     print events as blocks take them in, until Ctrl-C
Offline (no node needed):
  verify <proof.json>              check a proof's Merkle paths, header links and seals

Ids: ${ID_RULE} (GS1 EPC URNs fit).`;

const COMMON = {
  rpc: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const WRITE = {
  ...COMMON,
  key: { type: 'string' },
  'private-key': { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

const READ = { ...COMMON, json: { type: 'boolean' } } as const;

interface Subcommand {
  readonly usage: string;
  /** Parses with `usage` as the text a usage error shows. */
  run(argv: string[], print: Print, usage: string): Promise<void>;
}

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  register: {
    usage: `Usage: cairn supply register <id> --kind <kind> [--metadata <json>] ${SIGNING}

Registers a new item. You become its owner and its custodian.
  <id>               new and never used before, e.g. lot-2026-017 or urn:epc:id:sgtin:0614141.107346.2018
  --kind <kind>      what it is: "green coffee", pallet, ... (up to 64 characters)
  --metadata <json>  a JSON object kept with it, at most 2 KiB, e.g. '{"farm":"Finca Aurora","weightKg":600}'`,
    run: (argv, print, usage) => {
      const { values, positionals } = parse(argv, { ...WRITE, kind: { type: 'string' }, metadata: { type: 'string' } }, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'register');
      if (values.kind === undefined) throw new UsageError('--kind is required: what the item is, e.g. --kind "green coffee"');
      return write(values, { op: 'register', id, kind: values.kind, metadata: parseMetadata(values.metadata) }, print);
    },
  },

  transfer: {
    usage: `Usage: cairn supply transfer <id> --to <address> ${SIGNING}

Hands custody of the item to <address>. Only its current custodian may; the
owner stays the same.`,
    run: (argv, print, usage) => {
      const { values, positionals } = parse(argv, { ...WRITE, to: { type: 'string' } }, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'transfer');
      return write(values, { op: 'transfer', id, to: addressArg(values.to, '--to (the new custodian)') }, print);
    },
  },

  checkpoint: {
    usage: `Usage: cairn supply checkpoint <id> --biz-step <step> --disposition <disposition>
                              [--location <text>] [--reading name=value[unit]]...
                              ${SIGNING}

Records an observation of the item (only its custodian may), in the GS1 EPCIS 2.0 vocabulary.
  --biz-step <step>           what was done: receiving, shipping, storing, inspecting,
                              transporting, sensor_reporting, ... (CBV 2.0 business steps)
  --disposition <disposition> its state afterwards: active, in_transit, in_progress,
                              conformant, sellable_accessible, ... (CBV 2.0 dispositions)
  --location <text>           where, e.g. "Port of Cartagena" or a URI (urn:epc:id:sgln:…)
  --reading name=value[unit]  a sensor reading, repeatable (up to 16), e.g. temperature=4.2CEL,
                              "humidity=61 P1", weight=600KGM; units are UN/ECE Rec. 20 codes`,
    run: (argv, print, usage) => {
      const options = {
        ...WRITE,
        'biz-step': { type: 'string' },
        disposition: { type: 'string' },
        location: { type: 'string' },
        reading: { type: 'string', multiple: true },
      } as const;
      const { values, positionals } = parse(argv, options, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'checkpoint');
      return write(
        values,
        {
          op: 'checkpoint',
          id,
          location: values.location ?? null,
          readings: parseReadings(values.reading ?? []),
          bizStep: parseBizStep(values['biz-step']),
          disposition: parseDisposition(values.disposition),
        },
        print,
      );
    },
  },

  transform: {
    usage: `Usage: cairn supply transform --input <id>... --output <id:kind>... ${SIGNING}

Consumes the inputs (all held by you) and creates the outputs, which record
their inputs and which you own and hold: a merge (several inputs), a split
(several outputs) or processing (one to one). Consumed items never change again.
  --input <id>        an item to consume, repeatable (up to 32)
  --output <id:kind>  a new item, repeatable (up to 32), e.g. --output "roast-7:roasted coffee";
                      the kind is what follows the last ":"`,
    run: (argv, print, usage) => {
      const options = { ...WRITE, input: { type: 'string', multiple: true }, output: { type: 'string', multiple: true } } as const;
      const { values, positionals } = parse(argv, options, usage);
      expectPositionals(positionals, [], 'transform');
      if (values.input === undefined) throw new UsageError('at least one --input <id> is required: the items to consume');
      if (values.output === undefined) throw new UsageError('at least one --output <id:kind> is required: the items to create');
      return write(values, { op: 'transform', inputs: values.input, outputs: values.output.map(parseOutput) }, print);
    },
  },

  close: {
    usage: `Usage: cairn supply close <id> [--reason <text>] ${SIGNING}

Takes the item out of the chain of custody (sold, consumed, destroyed...):
nothing can happen to it afterwards. Only its custodian may.
  --reason <text>  why, e.g. "sold" (up to 256 bytes)`,
    run: (argv, print, usage) => {
      const { values, positionals } = parse(argv, { ...WRITE, reason: { type: 'string' } }, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'close');
      return write(values, { op: 'close', id, reason: values.reason ?? null }, print);
    },
  },

  item: {
    usage: `Usage: cairn supply item <id> [--json] [--rpc <url>]

The item as it is now: kind, status (active, closed or consumed), owner,
custodian, what it was made from or into, metadata and its number of events.`,
    run: async (argv, print, usage) => {
      const { values, positionals } = parse(argv, READ, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'item');
      const item = found(id, await client(values).call<ItemView | null>('supply_getItem', [id]));
      output(values, item, () => formatItem(item), print);
    },
  },

  history: {
    usage: `Usage: cairn supply history <id> [--from <seq>] [--limit <n>] [--json] [--rpc <url>]

The item's events in order: number, time, block, signer and what each records.
Without --limit every event is shown (read 1,000 at a time); with it, one page.
  --from <seq>   start at this event (default 0)
  --limit <n>    at most n events (1-1000)
  --json         the node's answer for one page (up to 1,000 events; "next" says where to go on)`,
    run: async (argv, print, usage) => {
      const options = { ...READ, from: { type: 'string' }, limit: { type: 'string' } } as const;
      const { values, positionals } = parse(argv, options, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'history');
      const from = values.from === undefined ? 0 : parseWholeNumber(values.from, '--from');
      const limit = values.limit === undefined ? undefined : parsePositiveInt(values.limit, '--limit');
      const rpc = client(values);
      const page = (start: number): Promise<HistoryView | null> => rpc.call<HistoryView | null>('supply_getHistory', [id, { from: start, ...(limit === undefined ? {} : { limit }) }]);
      const first = found(id, await page(from));
      if (values.json) return print(JSON.stringify(first, null, 2));
      const events = [...first.events];
      let next = first.next;
      while (limit === undefined && next !== null) {
        const more = found(id, await page(next));
        events.push(...more.events);
        next = more.next;
      }
      for (const line of formatHistory({ item: first.item, events, next })) print(line);
    },
  },

  lineage: {
    usage: `Usage: cairn supply lineage <id> [--max-depth <n>] [--max-items <n>] [--json] [--rpc <url>]

What the item was made from and what was made of it, through transforms.
  --max-depth <n>  transforms followed each way (1-64, default 16)
  --max-items <n>  items returned each way (1-1024, default 256)`,
    run: async (argv, print, usage) => {
      const options = { ...READ, 'max-depth': { type: 'string' }, 'max-items': { type: 'string' } } as const;
      const { values, positionals } = parse(argv, options, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'lineage');
      const query = {
        ...(values['max-depth'] === undefined ? {} : { maxDepth: parsePositiveInt(values['max-depth'], '--max-depth') }),
        ...(values['max-items'] === undefined ? {} : { maxItems: parsePositiveInt(values['max-items'], '--max-items') }),
      };
      const lineage = found(id, await client(values).call<LineageView | null>('supply_getLineage', [id, query]));
      output(values, lineage, () => formatLineage(lineage), print);
    },
  },

  list: {
    usage: `Usage: cairn supply list [--owner <address>] [--custodian <address>] [--status <status>]
                         [--cursor <id>] [--limit <n>] [--json] [--rpc <url>]

Items in id order, one page at a time.
  --owner <address>      only items this address owns
  --custodian <address>  only items this address holds
  --status <status>      only active, closed or consumed items
  --cursor <id>          continue after this id (the previous page says which)
  --limit <n>            at most n items (1-100, default 50)`,
    run: async (argv, print, usage) => {
      const options = {
        ...READ,
        owner: { type: 'string' },
        custodian: { type: 'string' },
        status: { type: 'string' },
        cursor: { type: 'string' },
        limit: { type: 'string' },
      } as const;
      const { values, positionals } = parse(argv, options, usage);
      expectPositionals(positionals, [], 'list');
      const query = {
        ...(values.owner === undefined ? {} : { owner: toChecksumAddress(addressArg(values.owner, '--owner')) }),
        ...(values.custodian === undefined ? {} : { custodian: toChecksumAddress(addressArg(values.custodian, '--custodian')) }),
        ...(values.status === undefined ? {} : { status: statusArg(values.status) }),
        ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
        ...(values.limit === undefined ? {} : { limit: parsePositiveInt(values.limit, '--limit') }),
      };
      const page = await client(values).call<PageView>('supply_listItems', [query]);
      output(values, page, () => formatPage(page), print);
    },
  },

  proof: {
    usage: `Usage: cairn supply proof <id> [--out <file>] [--from-genesis] [--from <seq>] [--limit <n>] [--rpc <url>]

Asks the node for a provenance proof of the item's whole history (supply_getProof):
each event's transaction and receipt with their Merkle paths, and the block
headers that link them to the node's finalized block (or head). Check it
anywhere, without trusting the node, with "cairn supply verify <file>".
One proof holds at most 1,000 events: prove a longer history a page at a time.
  --out <file>      write it there (default: print it)
  --from-genesis    include every header from genesis: on proof of work only
                    this ties the headers to the chain (larger proof)
  --from <seq>      prove the events from this one (default 0)
  --limit <n>       at most n events (1-1000)`,
    run: async (argv, print, usage) => {
      const options = { ...COMMON, out: { type: 'string' }, 'from-genesis': { type: 'boolean' }, from: { type: 'string' }, limit: { type: 'string' } } as const;
      const { values, positionals } = parse(argv, options, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'proof');
      const query = {
        ...(values['from-genesis'] ? { fromGenesis: true } : {}),
        ...(values.from === undefined ? {} : { from: parseWholeNumber(values.from, '--from') }),
        ...(values.limit === undefined ? {} : { limit: parsePositiveInt(values.limit, '--limit') }),
      };
      const params = Object.keys(query).length === 0 ? [id] : [id, query];
      const proof = found(id, await client(values).call<ProofDocument | null>('supply_getProof', params));
      if (values.out === undefined) return print(JSON.stringify(proof, null, 2));
      await writeOut(values.out, proof);
      const { anchor } = proof;
      print(
        `wrote a proof of ${proof.events.length} event${proof.events.length === 1 ? '' : 's'} of ${JSON.stringify(id)} to ${values.out}: ` +
          `${proof.headers.length} headers up to block #${anchor.number} (the node's ${anchor.status})`,
      );
      print(`check it with: cairn supply verify ${values.out} --genesis-hash ${proof.chain.genesisHash}`);
    },
  },

  export: {
    usage: `Usage: cairn supply export <id> [--out <file>] [--rpc <url>]

The item's whole history as a GS1 EPCIS 2.0 JSON-LD document (an
EPCISDocument with one event per history entry).
  --out <file>  write it there (default: print it)`,
    run: async (argv, print, usage) => {
      const { values, positionals } = parse(argv, { ...COMMON, out: { type: 'string' } }, usage);
      const [id] = expectPositionals(positionals, ['<id>'], 'export');
      const doc = found(id, await client(values).call<{ epcisBody: { eventList: readonly unknown[] } } | null>('supply_exportEpcis', [id]));
      if (values.out === undefined) return print(JSON.stringify(doc, null, 2));
      await writeOut(values.out, doc);
      print(`wrote the EPCIS 2.0 document of ${JSON.stringify(id)} (${doc.epcisBody.eventList.length} events) to ${values.out}`);
    },
  },

  watch: {
    usage: `Usage: cairn supply watch [<id>] [--json] [--rpc <url>]

Follows the chain and prints each supply event as a block takes it in, until
Ctrl-C: the events of <id>, or of every item without it. It subscribes to the
supply module's logs over the node's WebSocket (the --rpc port, as ws://). An
event that a reorganisation takes out of the chain is printed again as undone.
Events go to stdout; the line that says the watch has begun goes to stderr.
  --json   one JSON object per line: {"event": …}, or {"undone": …}`,
    run: async (argv, print, usage) => {
      const { values, positionals } = parse(argv, READ, usage);
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" for cairn supply watch (cairn supply watch --help)`);
      const id = positionals[0];
      const ws = await WsRpcClient.connect(values.rpc ?? DEFAULT_RPC_URL);
      ws.onNotification((_subscription, result) => {
        const log = result as WatchedLog;
        for (const line of formatWatched(receiptEvents({ logs: [log] })[0]!, log.removed, values.json === true)) print(line);
      });
      const topics = id === undefined ? [] : [null, bytesToHex(itemIdHash(id))];
      await ws.call('eth_subscribe', ['logs', { address: bytesToHex(SUPPLY_ADDRESS), topics }]);
      // On stderr: stdout carries only events, for a pipe.
      process.stderr.write(`watching ${id === undefined ? 'every supply event' : `the events of ${JSON.stringify(id)}`} at ${values.rpc ?? DEFAULT_RPC_URL} (Ctrl-C to stop)\n`);
      const stopped = new Promise<'stopped'>((resolve) => {
        process.once('SIGINT', () => resolve('stopped'));
        process.once('SIGTERM', () => resolve('stopped'));
      });
      const end = await Promise.race([stopped, ws.closed]);
      if (end !== 'stopped') throw new RpcClientError(`the node ended the watch: ${end}`);
      ws.close();
    },
  },

  verify: {
    usage: `Usage: cairn supply verify <proof.json> [--genesis-hash <0x…>] [--chain-id <n>] [--json]

Checks a provenance proof offline, trusting nothing in it: the genesis and
chain rules it names, the header links, each header's consensus seal (proof
of work; proof-of-stake signatures and finality votes), each event's Merkle
paths to its block's txRoot and receiptsRoot, and the event its receipt records.
Prints what was proven and what was not; exits 0 only when every check passes.
  --genesis-hash <0x…>  the genesis hash of the chain you trust (from a node you trust,
                        eth_getBlockByNumber 0); without it, the chain is the proof's word
  --chain-id <n>        the chain id you expect
  --json                the verifier's report as JSON`,
    run: async (argv, print, usage) => {
      const options = { help: COMMON.help, json: { type: 'boolean' }, 'genesis-hash': { type: 'string' }, 'chain-id': { type: 'string' } } as const;
      const { values, positionals } = parse(argv, options, usage);
      const [path] = expectPositionals(positionals, ['<proof.json>'], 'verify');
      const expected: VerifyOptions = {
        ...(values['genesis-hash'] === undefined ? {} : { expectedGenesisHash: genesisHashArg(values['genesis-hash']) }),
        ...(values['chain-id'] === undefined ? {} : { expectedChainId: chainIdArg(values['chain-id']) }),
      };
      const report = verifyProof(await readJson(path), expected);
      if (values.json) print(JSON.stringify(report, null, 2));
      else for (const line of formatVerifyReport(report)) print(line);
      if (!report.ok) process.exitCode = 1;
    },
  },
};

export async function supplyCommand(argv: string[], print: Print): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return print(SUPPLY_USAGE);
  const sub = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (sub === undefined) throw new UsageError(`unknown supply command "${name}"\n\n${SUPPLY_USAGE}`);
  // Before parsing: help is shown whatever else the line holds.
  if (rest.includes('--help') || rest.includes('-h')) return print(sub.usage);
  await sub.run(rest, print, sub.usage);
}

/** The positionals a subcommand takes, exactly; `names` name them in the error. */
export function expectPositionals(positionals: readonly string[], names: readonly string[], command: string): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`cairn supply ${command} needs ${names.slice(positionals.length).join(' ')} (cairn supply ${command} --help)`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length]}" for cairn supply ${command} (cairn supply ${command} --help)`);
  }
  return [...positionals];
}

/** --from: a whole number, 0 included. */
export function statusArg(text: string): ItemStatus {
  if (!(ITEM_STATUSES as readonly string[]).includes(text)) throw new UsageError(`--status must be one of ${ITEM_STATUSES.join(', ')}, got "${text}"`);
  return text as ItemStatus;
}

export function genesisHashArg(text: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`--genesis-hash must be 0x and 64 hex digits (block 0's hash), got "${text}"`);
  return hexToBytes(text);
}

export function chainIdArg(text: string): bigint {
  if (!/^(?:\d+|0x[0-9a-fA-F]+)$/.test(text)) throw new UsageError(`--chain-id must be a whole number (decimal or 0x hex), got "${text}"`);
  return BigInt(text);
}

function client(values: { readonly rpc?: string }): RpcClient {
  return new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
}

function found<T>(id: string, answer: T | null): T {
  if (answer === null) throw new ItemNotFoundError(id);
  return answer;
}

function output<T>(values: { readonly json?: boolean }, answer: T, text: () => string[], print: Print): void {
  if (values.json) print(JSON.stringify(answer, null, 2));
  else for (const line of text()) print(line);
}

type WriteValues = { readonly rpc?: string; readonly key?: string; readonly 'private-key'?: string; readonly 'no-wait'?: boolean; readonly timeout?: string };

/** Signs `op` to the supply module, waits for its receipt and says in words what it did. */
async function write(values: WriteValues, op: SupplyOp, print: Print): Promise<void> {
  const data = operationData(op);
  const privateKey = await loadSigningKey(values);
  const receipt = await signAndSubmit(client(values), privateKey, { to: SUPPLY_ADDRESS, value: 0n, data }, waitOptions(values), print);
  if (receipt?.status === '0x1') for (const line of describeEvents(receiptEvents(receipt))) print(line);
}

/** A supply log as eth_subscribe delivers it. */
interface WatchedLog {
  readonly topics: readonly string[];
  readonly data: string;
  readonly removed: boolean;
}

/** The supply events a receipt's logs record, decoded here (each log's topics are checked against its data). */
export function receiptEvents(receipt: Pick<CliReceipt, 'logs'>): EventView[] {
  return receipt.logs.map((log) => {
    const event = decodeEventLog({ address: SUPPLY_ADDRESS, topics: log.topics.map(hexToBytes), data: hexToBytes(log.data) });
    return eventToJson(event) as unknown as EventView;
  });
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${path} is not JSON: a proof is the JSON that "cairn supply proof <id> --out <file>" writes`);
  }
}

async function writeOut(path: string, document: unknown): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(document, null, 2) + '\n');
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

