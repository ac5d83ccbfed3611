/**
 * Bounds and shapes of the values a supply operation carries. The operation
 * parser turns a problem into a refusal, the record decoders into a
 * DecodingError, so a record never holds what an operation could not.
 */

export const MAX_DOCUMENT_BYTES = 8 * 1024;
export const MAX_ID_LENGTH = 128;
export const MAX_KIND_LENGTH = 64;
export const MAX_METADATA_BYTES = 2 * 1024;
export const MAX_METADATA_DEPTH = 8;
/** location and close reason, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 256;
export const MAX_READINGS = 16;
export const MAX_READING_NAME_LENGTH = 32;
/** inputs and outputs of one transform, each. */
export const MAX_TRANSFORM_ITEMS = 32;

/** Item ids: GS1 EPC URNs (urn:epc:id:sgtin:…) and Digital Link paths fit. */
const ID_PATTERN = /^[A-Za-z0-9._:/-]+$/;
/** Like an id, plus inner spaces ("green coffee"). */
const KIND_PATTERN = /^[A-Za-z0-9._:/-](?:[A-Za-z0-9 ._:/-]*[A-Za-z0-9._:/-])?$/;
const READING_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
/** UN/ECE Recommendation 20 unit codes, as EPCIS writes them (CEL, KGM, A93). */
const UOM_PATTERN = /^[A-Z0-9]{2,3}$/;
// Control characters would garble a terminal; lone surrogates do not survive UTF-8.
const BAD_TEXT_CHAR = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

export const ID_RULE = `1-${MAX_ID_LENGTH} characters from A-Z a-z 0-9 . _ : / -`;
export const KIND_RULE = `1-${MAX_KIND_LENGTH} characters from A-Z a-z 0-9 . _ : / - and inner spaces`;

export function idProblem(id: string): string | null {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) return `must be ${ID_RULE}`;
  return null;
}

export function kindProblem(kind: string): string | null {
  if (kind.length === 0 || kind.length > MAX_KIND_LENGTH || !KIND_PATTERN.test(kind)) return `must be ${KIND_RULE}`;
  return null;
}

/** Free text (location, close reason): 1-256 UTF-8 bytes, printable. */
export function textProblem(text: string): string | null {
  if (text.length === 0) return 'must not be empty (leave the field out instead)';
  if (BAD_TEXT_CHAR.test(text)) return 'must not contain control characters or unpaired surrogates';
  const bytes = utf8Length(text);
  if (bytes > MAX_TEXT_BYTES) return `must be at most ${MAX_TEXT_BYTES} bytes of UTF-8, got ${bytes}`;
  return null;
}

/** UTF-8 length of well-formed text, without encoding it (decoding a history checks thousands). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

export function readingNameProblem(name: string): string | null {
  if (name.length > MAX_READING_NAME_LENGTH || !READING_NAME_PATTERN.test(name)) {
    return `must be a letter then letters, digits or _, at most ${MAX_READING_NAME_LENGTH} characters`;
  }
  return null;
}

export function uomProblem(uom: string): string | null {
  return UOM_PATTERN.test(uom) ? null : 'must be a UN/ECE Rec. 20 unit code of 2-3 capitals or digits, such as CEL or KGM';
}

/**
 * A reading as stored: the shortest text that reads back as the same double
 * (ECMAScript Number::toString), -0 as 0.
 */
export function numberText(value: number): string {
  return String(value === 0 ? 0 : value);
}

/** The number `text` stands for if it is numberText's output, else undefined. */
export function parseNumberText(text: string): number | undefined {
  const value = Number(text);
  return text !== '' && Number.isFinite(value) && numberText(value) === text ? value : undefined;
}

/** A user's value quoted in a reason: bounded, so a reason stays short. */
export function quote(value: string): string {
  const chars = Array.from(value);
  return JSON.stringify(chars.length > 48 ? chars.slice(0, 48).join('') + '…' : value);
}
