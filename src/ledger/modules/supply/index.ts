/** The supply module: operations, records, the module itself, queries, JSON views and EPCIS export. */
export { SupplyError, SupplyErrorCode } from './errors.js';
export { canonicalJson, type JsonObject, type JsonValue } from './json.js';
export {
  ID_RULE,
  KIND_RULE,
  MAX_DOCUMENT_BYTES,
  MAX_ID_LENGTH,
  MAX_KIND_LENGTH,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  MAX_READING_NAME_LENGTH,
  MAX_READINGS,
  MAX_TEXT_BYTES,
  MAX_TRANSFORM_ITEMS,
} from './fields.js';
export * from './vocabulary.js';
export * from './ops.js';
export * from './records.js';
export { applySupplyCall, createSupplyModule, SUPPLY_CALL_GAS } from './module.js';
export * from './queries.js';
export * from './views.js';
export * from './epcis.js';
