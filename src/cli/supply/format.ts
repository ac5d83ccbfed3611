import type { JsonObject } from '../../ledger/modules/supply/index.js';
import type { VerifyReport } from '../../node/provenance/index.js';

/**
 * Readable text of the supply_ JSON-RPC answers (the module's JSON views,
 * src/ledger/modules/supply/views.ts) and of a proof's verification report.
 * Pure: lines in, lines out; the command prints them.
 */

export interface ItemView {
  readonly id: string;
  readonly kind: string;
  readonly owner: string;
  readonly custodian: string;
  readonly metadata: JsonObject | null;
  readonly status: 'active' | 'closed' | 'consumed';
  readonly createdBlock: number;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly eventCount: number;
}

export interface ReadingView {
  readonly name: string;
  readonly value: number;
  readonly uom: string | null;
}

interface EventBaseView {
  readonly id: string;
  readonly seq: number;
  readonly signer: string;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  /** Milliseconds since 1970; absent where the block's time was not looked up. */
  readonly timestamp?: number;
}

export type EventView = EventBaseView &
  (
    | { readonly type: 'Registered'; readonly kind: string; readonly metadata: JsonObject | null }
    | { readonly type: 'Transferred'; readonly from: string; readonly to: string }
    | {
        readonly type: 'Checkpointed';
        readonly location: string | null;
        readonly readings: readonly ReadingView[];
        readonly bizStep: string;
        readonly disposition: string;
      }
    | { readonly type: 'Transformed'; readonly inputs: readonly string[]; readonly outputs: readonly string[] }
    | { readonly type: 'Closed'; readonly reason: string | null }
  );

export interface HistoryView {
  readonly item: ItemView;
  readonly events: readonly EventView[];
  readonly next: number | null;
}

export interface LineageView {
  readonly item: ItemView;
  readonly ancestors: readonly { readonly depth: number; readonly item: ItemView }[];
  readonly descendants: readonly { readonly depth: number; readonly item: ItemView }[];
  readonly truncated: boolean;
}

export interface PageView {
  readonly items: readonly ItemView[];
  readonly nextCursor: string | null;
}

const q = (id: string): string => JSON.stringify(id);

/** "2026-11-25 10:00:01Z": to the second, which is as fine as block times are meaningful. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function formatReading(reading: ReadingView): string {
  return `${reading.name} ${reading.value}${reading.uom === null ? '' : ` ${reading.uom}`}`;
}

export function formatItem(item: ItemView): string[] {
  const lines = [
    `item ${q(item.id)}: ${item.kind}, ${item.status}`,
    `  owner      ${item.owner}`,
    `  custodian  ${item.custodian}`,
    `  created    in block #${item.createdBlock}`,
  ];
  if (item.inputs.length > 0) lines.push(`  made from  ${item.inputs.map(q).join(', ')}`);
  if (item.outputs.length > 0) lines.push(`  made into  ${item.outputs.map(q).join(', ')}`);
  if (item.metadata !== null) lines.push(`  metadata   ${JSON.stringify(item.metadata)}`);
  lines.push(`  events     ${item.eventCount}`);
  return lines;
}

/** What the event records, in a few words: "receiving, in_progress at "Coop": temperature 4.2 CEL". */
export function eventSummary(event: EventView): string {
  switch (event.type) {
    case 'Registered':
      return `registered as ${q(event.kind)}${event.metadata === null ? '' : ` ${JSON.stringify(event.metadata)}`}`;
    case 'Transferred':
      return `custody passed from ${event.from} to ${event.to}`;
    case 'Checkpointed': {
      const where = event.location === null ? '' : ` at ${q(event.location)}`;
      const readings = event.readings.length === 0 ? '' : `: ${event.readings.map(formatReading).join(', ')}`;
      return `checkpoint ${event.bizStep}, ${event.disposition}${where}${readings}`;
    }
    case 'Transformed':
      return `transformed ${event.inputs.map(q).join(' + ')} into ${event.outputs.map(q).join(' + ')}`;
    case 'Closed':
      return `closed${event.reason === null ? '' : `: ${event.reason}`}`;
  }
}

/** One timeline entry: when, where in the chain, who signed; then what it records. */
export function formatEvent(event: EventView): string[] {
  const when = event.timestamp === undefined ? '' : `${formatTime(event.timestamp)}  `;
  return [`#${event.seq}  ${when}block #${event.blockNumber}  ${event.type}  signed by ${event.signer}`, `      ${eventSummary(event)}`];
}

/**
 * What `cairn supply watch` prints for an event a block took in, or that a
 * reorganisation took out again (`undone`); with `json`, one object per line.
 */
export function formatWatched(event: EventView, undone: boolean, json: boolean): string[] {
  if (json) return [JSON.stringify(undone ? { undone: event } : { event })];
  if (!undone) return formatEvent(event);
  return [`undone: #${event.seq} ${event.type} of ${q(event.id)} (block #${event.blockNumber} left the chain; it may come back in another block)`];
}

export function formatHistory(history: HistoryView): string[] {
  const { item } = history;
  const lines = [`history of ${q(item.id)} (${item.kind}, ${item.status}): ${item.eventCount} event${item.eventCount === 1 ? '' : 's'}`];
  for (const event of history.events) lines.push(...formatEvent(event));
  if (history.next !== null) lines.push(`… more events from #${history.next}: add --from ${history.next}`);
  return lines;
}

/**
 * Plain words for what a write did, from the events of its receipt. A
 * transform writes the same event into every item it touches: said once.
 */
export function describeEvents(events: readonly EventView[]): string[] {
  const lines = events.map((event) => {
    switch (event.type) {
      case 'Registered':
        return `registered ${q(event.id)} (${event.kind}): ${event.signer} owns and holds it`;
      case 'Transferred':
        return `${q(event.id)} is now held by ${event.to} (was ${event.from})`;
      case 'Checkpointed':
        return `recorded on ${q(event.id)}: ${eventSummary(event)}`;
      case 'Transformed':
        return `${eventSummary(event)}: the inputs are consumed; ${event.signer} owns and holds the outputs`;
      case 'Closed':
        return `closed ${q(event.id)}${event.reason === null ? '' : ` (${event.reason})`}: nothing can happen to it anymore`;
    }
  });
  return [...new Set(lines)];
}

function itemLabel(item: ItemView): string {
  return `${q(item.id)}  ${item.kind}, ${item.status}`;
}

/**
 * The lineage as two trees around the item: what it was made from (through
 * each item's inputs) and what was made of it (through its outputs). An
 * item reached twice is drawn once; items beyond the query's bounds are not
 * in the answer and so not drawn.
 */
export function formatLineage(lineage: LineageView): string[] {
  const lines = [`lineage of ${itemLabel(lineage.item)}`];
  const tree = (title: string, nodes: LineageView['ancestors'], links: (item: ItemView) => readonly string[]): void => {
    if (nodes.length === 0) {
      lines.push(`${title}: nothing`);
      return;
    }
    lines.push(`${title}:`);
    const byId = new Map(nodes.map((node) => [node.item.id, node.item]));
    const drawn = new Set<string>([lineage.item.id]);
    const draw = (item: ItemView, prefix: string): void => {
      const children = links(item).filter((id) => byId.has(id));
      children.forEach((id, i) => {
        const last = i === children.length - 1;
        const child = byId.get(id)!;
        const seen = drawn.has(id);
        drawn.add(id);
        lines.push(`${prefix}${last ? '└─ ' : '├─ '}${itemLabel(child)}${seen ? ' (shown above)' : ''}`);
        if (!seen) draw(child, prefix + (last ? '   ' : '│  '));
      });
    };
    draw(lineage.item, '  ');
  };
  tree('made from', lineage.ancestors, (item) => item.inputs);
  tree('made into', lineage.descendants, (item) => item.outputs);
  if (lineage.truncated) lines.push('(cut short by the bounds: more items lie beyond; raise --max-depth or --max-items)');
  return lines;
}

export function formatPage(page: PageView): string[] {
  if (page.items.length === 0) return ['no items'];
  const rows = page.items.map((item) => [item.id, item.kind, item.status, `held by ${item.custodian}`]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('  '));
  if (page.nextCursor !== null) lines.push(`… more: add --cursor ${page.nextCursor}`);
  return lines;
}

/** The verifier's report: the verified events, then every "proven:", "not proven:" and "FAILED:" line, then the verdict. */
export function formatVerifyReport(report: VerifyReport): string[] {
  const lines: string[] = [];
  const verified = report.events.filter((event) => event.ok && event.event !== null);
  if (verified.length > 0) {
    lines.push('events the proof holds:');
    for (const { event } of verified) {
      const view = event as unknown as EventView;
      lines.push(`  ${view.id} #${view.seq}  ${view.timestamp === undefined ? '' : `${formatTime(view.timestamp)}  `}${eventSummary(view)}`);
    }
  }
  for (const line of report.proven) lines.push(`proven: ${line}`);
  for (const line of report.notProven) lines.push(`not proven: ${line}`);
  for (const line of report.errors) lines.push(`FAILED: ${line}`);
  lines.push(
    report.ok
      ? `result: the proof verifies (${report.events.length} event${report.events.length === 1 ? '' : 's'}); see "not proven" for what it cannot show`
      : `result: the proof does NOT verify (${report.errors.length} problem${report.errors.length === 1 ? '' : 's'})`,
  );
  return lines;
}
