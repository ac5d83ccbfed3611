import { describe, expect, it } from 'vitest';
import {
  describeEvents,
  eventSummary,
  formatEvent,
  formatHistory,
  formatItem,
  formatLineage,
  formatPage,
  formatTime,
  formatVerifyReport,
  formatWatched,
  type EventView,
  type ItemView,
} from '../../../src/cli/supply/format.js';
import type { VerifyReport } from '../../../src/node/provenance/index.js';

const FARM = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const COOP = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const T0 = Date.UTC(2026, 10, 25, 10, 0, 1, 500);

function item(id: string, overrides: Partial<ItemView> = {}): ItemView {
  return {
    id,
    kind: 'green coffee',
    owner: FARM,
    custodian: FARM,
    metadata: null,
    status: 'active',
    createdBlock: 3,
    inputs: [],
    outputs: [],
    eventCount: 1,
    ...overrides,
  };
}

const base = { id: 'lot-a', signer: FARM, txHash: '0x' + '11'.repeat(32), blockNumber: 3, txIndex: 0 };
const registered: EventView = { ...base, seq: 0, type: 'Registered', kind: 'green coffee', metadata: { farm: 'Finca Aurora' }, timestamp: T0 };
const transferred: EventView = { ...base, seq: 1, type: 'Transferred', from: FARM, to: COOP, timestamp: T0 + 2000 };
const checkpointed: EventView = {
  ...base,
  seq: 2,
  type: 'Checkpointed',
  signer: COOP,
  location: 'Coop warehouse',
  readings: [
    { name: 'humidity', value: 61, uom: 'P1' },
    { name: 'temperature', value: 21.5, uom: 'CEL' },
  ],
  bizStep: 'receiving',
  disposition: 'in_progress',
};
const transformed = (id: string, seq: number): EventView => ({ ...base, id, seq, type: 'Transformed', signer: COOP, inputs: ['lot-a', 'lot-b'], outputs: ['blend-1'] });
const closed: EventView = { ...base, id: 'blend-1', seq: 1, type: 'Closed', signer: COOP, reason: 'sold' };

describe('formatTime', () => {
  it('prints UTC to the second', () => {
    expect(formatTime(T0)).toBe('2026-11-25 10:00:01Z');
  });
});

describe('eventSummary', () => {
  it('says what each kind of event records', () => {
    expect(eventSummary(registered)).toBe('registered as "green coffee" {"farm":"Finca Aurora"}');
    expect(eventSummary(transferred)).toBe(`custody passed from ${FARM} to ${COOP}`);
    expect(eventSummary(checkpointed)).toBe('checkpoint receiving, in_progress at "Coop warehouse": humidity 61 P1, temperature 21.5 CEL');
    expect(eventSummary({ ...checkpointed, type: 'Checkpointed', location: null, readings: [] })).toBe('checkpoint receiving, in_progress');
    expect(eventSummary(transformed('lot-a', 2))).toBe('transformed "lot-a" + "lot-b" into "blend-1"');
    expect(eventSummary(closed)).toBe('closed: sold');
    expect(eventSummary({ ...closed, type: 'Closed', reason: null })).toBe('closed');
  });
});

describe('formatEvent and formatHistory', () => {
  it('prints the timeline: number, time, block, type, signer, then what it records', () => {
    expect(formatEvent(registered)).toEqual([
      `#0  2026-11-25 10:00:01Z  block #3  Registered  signed by ${FARM}`,
      '      registered as "green coffee" {"farm":"Finca Aurora"}',
    ]);
    expect(formatEvent(checkpointed)[0]).toBe(`#2  block #3  Checkpointed  signed by ${COOP}`);
  });

  it('prints a watched event as the timeline does, an undone one as undone, and JSON lines on request', () => {
    expect(formatWatched(transferred, false, false)).toEqual(formatEvent(transferred));
    expect(formatWatched(transferred, true, false)).toEqual([
      'undone: #1 Transferred of "lot-a" (block #3 left the chain; it may come back in another block)',
    ]);
    expect(formatWatched(transferred, true, true).map((line) => JSON.parse(line) as unknown)).toEqual([{ undone: transferred }]);
    expect(formatWatched(registered, false, true).map((line) => JSON.parse(line) as unknown)).toEqual([{ event: registered }]);
  });

  it('heads the history with the item and says how to read on when there is more', () => {
    const lines = formatHistory({ item: item('lot-a', { eventCount: 3 }), events: [registered, transferred], next: 2 });
    expect(lines[0]).toBe('history of "lot-a" (green coffee, active): 3 events');
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(lines.at(-1)).toBe('… more events from #2: add --from 2');
    expect(formatHistory({ item: item('lot-a'), events: [registered], next: null }).at(-1)).not.toMatch(/more events/);
  });
});

describe('describeEvents', () => {
  it('says in plain words what a write did', () => {
    expect(describeEvents([registered])).toEqual([`registered "lot-a" (green coffee): ${FARM} owns and holds it`]);
    expect(describeEvents([transferred])).toEqual([`"lot-a" is now held by ${COOP} (was ${FARM})`]);
    expect(describeEvents([closed])).toEqual(['closed "blend-1" (sold): nothing can happen to it anymore']);
  });

  it('says a transform once, though it writes an event into every item it touches', () => {
    const lines = describeEvents([transformed('lot-a', 2), transformed('lot-b', 1), transformed('blend-1', 0)]);
    expect(lines).toEqual([`transformed "lot-a" + "lot-b" into "blend-1": the inputs are consumed; ${COOP} owns and holds the outputs`]);
  });
});

describe('formatItem', () => {
  it('shows links and metadata only when there are some', () => {
    const plain = formatItem(item('lot-a'));
    expect(plain[0]).toBe('item "lot-a": green coffee, active');
    expect(plain.join('\n')).not.toMatch(/made from|made into|metadata/);
    const blend = formatItem(item('blend-1', { inputs: ['lot-a', 'lot-b'], outputs: ['roast-1'], metadata: { grade: 1 }, status: 'consumed' }));
    expect(blend).toContain('  made from  "lot-a", "lot-b"');
    expect(blend).toContain('  made into  "roast-1"');
    expect(blend).toContain('  metadata   {"grade":1}');
  });
});

describe('formatLineage', () => {
  it('draws what an item was made from as a tree, each item once', () => {
    const lotA = item('lot-a', { status: 'consumed', outputs: ['blend-1'] });
    const lotB = item('lot-b', { status: 'consumed', outputs: ['blend-1'] });
    const blend = item('blend-1', { kind: 'blend', status: 'consumed', inputs: ['lot-a', 'lot-b'], outputs: ['roast-1'] });
    const roast = item('roast-1', { kind: 'roasted coffee', inputs: ['blend-1'] });
    const lines = formatLineage({
      item: roast,
      ancestors: [
        { depth: 1, item: blend },
        { depth: 2, item: lotA },
        { depth: 2, item: lotB },
      ],
      descendants: [],
      truncated: false,
    });
    expect(lines).toEqual([
      'lineage of "roast-1"  roasted coffee, active',
      'made from:',
      '  └─ "blend-1"  blend, consumed',
      '     ├─ "lot-a"  green coffee, consumed',
      '     └─ "lot-b"  green coffee, consumed',
      'made into: nothing',
    ]);
  });

  it('marks an item reached twice and says when the bounds cut the walk short', () => {
    const root = item('x', { outputs: ['a', 'b'], status: 'consumed' });
    const a = item('a', { inputs: ['x'], outputs: ['c'], status: 'consumed' });
    const b = item('b', { inputs: ['x'], outputs: ['c'], status: 'consumed' });
    const c = item('c', { inputs: ['a', 'b'] });
    const lines = formatLineage({
      item: root,
      ancestors: [],
      descendants: [
        { depth: 1, item: a },
        { depth: 1, item: b },
        { depth: 2, item: c },
      ],
      truncated: true,
    });
    expect(lines.filter((line) => line.includes('"c"'))).toEqual(['  │  └─ "c"  green coffee, active', '     └─ "c"  green coffee, active (shown above)']);
    expect(lines.at(-1)).toMatch(/cut short by the bounds/);
  });
});

describe('formatPage', () => {
  it('aligns a row per item and says how to get the next page', () => {
    const lines = formatPage({ items: [item('lot-a'), item('blend-1', { kind: 'blend', status: 'consumed' })], nextCursor: 'lot-a' });
    expect(lines[0]).toBe(`lot-a    green coffee  active    held by ${FARM}`);
    expect(lines[1]).toBe(`blend-1  blend         consumed  held by ${FARM}`);
    expect(lines[2]).toBe('… more: add --cursor lot-a');
    expect(formatPage({ items: [], nextCursor: null })).toEqual(['no items']);
  });
});

describe('formatVerifyReport', () => {
  const event = { position: 0, ok: true, block: 3, blockHash: '0xab', txHash: '0xcd', event: { ...registered }, error: null };

  it('lists the events, what was proven and what was not, and the verdict', () => {
    const report: VerifyReport = { ok: true, proven: ['the headers link'], notProven: ['finality'], events: [event], errors: [] };
    expect(formatVerifyReport(report)).toEqual([
      'events the proof holds:',
      '  lot-a #0  2026-11-25 10:00:01Z  registered as "green coffee" {"farm":"Finca Aurora"}',
      'proven: the headers link',
      'not proven: finality',
      'result: the proof verifies (1 event); see "not proven" for what it cannot show',
    ]);
  });

  it('prints each failure and says the proof does not verify', () => {
    const failed = { ...event, ok: false, event: null, error: 'bad path' };
    const report: VerifyReport = { ok: false, proven: [], notProven: [], events: [failed], errors: ['event 0 (block #3): bad path', 'bad seal'] };
    expect(formatVerifyReport(report)).toEqual(['FAILED: event 0 (block #3): bad path', 'FAILED: bad seal', 'result: the proof does NOT verify (2 problems)']);
  });
});
