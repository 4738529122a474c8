/*
 * Typed readers for the untyped JSON networks send. A classifier must survive any body and a
 * discovery any answer, so every field is checked before it is read; a field of the wrong type
 * reads as absent.
 */

/** The value as a plain object, or undefined for arrays, null and scalars. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function field(body: unknown, name: string): unknown {
  return asRecord(body)?.[name];
}

/** `body[name]` when `body` is an object and the field a string (empty strings included). */
export function readString(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  return typeof value === 'string' ? value : undefined;
}

/** `body[name]` when it is a non-empty string. */
export function readText(body: unknown, name: string): string | undefined {
  const value = readString(body, name);
  return value ? value : undefined;
}

/** `body[name]` when it is a finite number. */
export function readNumber(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `body[name]` when it is a whole number (error codes, subcodes, epoch seconds). */
export function readInteger(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** `body[name]` when it is a boolean. */
export function readBoolean(body: unknown, name: string): boolean | undefined {
  const value = field(body, name);
  return typeof value === 'boolean' ? value : undefined;
}

/** `body[name]` when it is a plain object. */
export function readRecord(body: unknown, name: string): Record<string, unknown> | undefined {
  return asRecord(field(body, name));
}

/** `body[name]` when it is an array; an empty array otherwise. */
export function readArray(body: unknown, name: string): unknown[] {
  const value = field(body, name);
  return Array.isArray(value) ? (value as unknown[]) : [];
}
