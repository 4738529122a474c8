import { z } from 'zod';

/**
 * Fields the API stores, bounded by their columns (packages/persistence/src/entities.ts), so a
 * value too long for PostgreSQL is a 400 naming the field, not a database error.
 */

/** RFC 5321 caps a path at 256 octets, an address at 254; the columns hold 255 and 320. */
export const emailField = z.email().max(254);

/** Ids are UUIDs in `varchar(36)` columns. */
export const recordIdField = z.string().min(1).max(36);

/** Provider ids are kebab-case in `varchar(64)` columns. */
export const providerIdField = z.string().min(1).max(64);

const EARLIEST_YEAR = 1970;
const LATEST_YEAR = 9999;

/**
 * Whether both databases can store and compare the date: PostgreSQL refuses year 0 and years
 * past 294276, JavaScript dates reach ±275760, SQLite stores them as numbers.
 */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(year) && year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}

/** An ISO date-time with an offset, in the years 1970 to 9999 (UTC), as a `Date`. */
export const dateTimeField = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine(isStorableDate, `must be between ${EARLIEST_YEAR} and ${LATEST_YEAR}`);
