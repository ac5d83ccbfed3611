/** JSON values as JSON.parse returns them, and their one canonical text. */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON Canonicalization Scheme (RFC 8785): members sorted by their names'
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's
 * JSON.stringify writes them. Equal values give equal bytes on every node,
 * so a stored copy can be checked by re-serialising it.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as JsonObject;
  const members = Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key]!)}`);
  return `{${members.join(',')}}`;
}

/**
 * Why `value` (from JSON.parse) cannot be kept as is, or null. JSON.parse
 * turns a number too large for a double (1e999) into Infinity, which
 * JSON.stringify would write as null: refused rather than silently changed.
 */
export function jsonProblem(value: JsonValue, maxDepth: number): string | null {
  return problemAt(value, maxDepth, 1);
}

function problemAt(value: JsonValue, maxDepth: number, depth: number): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'holds a number too large for a double';
  if (value === null || typeof value !== 'object') return null;
  if (depth > maxDepth) return `nests deeper than ${maxDepth} levels`;
  const children = Array.isArray(value) ? (value as readonly JsonValue[]) : Object.values(value as JsonObject);
  for (const child of children) {
    const problem = problemAt(child, maxDepth, depth + 1);
    if (problem) return problem;
  }
  return null;
}
