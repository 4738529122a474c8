/*
 * Narrowing of the untyped JSON Graph sends. A classifier must survive any body, so every field
 * is checked before it is read.
 */

/** The value as a plain object, or undefined for arrays, null and scalars. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The value when it is a whole number. */
export function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
