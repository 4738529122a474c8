import { type FilterQuery, type Platform, raw } from '@mikro-orm/core';
import { z } from 'zod';
import { DomainError } from '../domain-error';
import { isStorableDate } from './api-fields';

/** Where a page ends: the last row's creation time and id (rows are listed newest first). */
interface Cursor {
  readonly createdAt: string;
  readonly id: string;
}

interface Pageable {
  readonly createdAt: Date;
  readonly id: string;
}

/** The query fields every paged listing takes. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
};

function encodeCursor(row: Pageable): string {
  return Buffer.from(
    JSON.stringify({ createdAt: row.createdAt.toISOString(), id: row.id }),
  ).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor;
    if (
      typeof parsed.id === 'string' &&
      parsed.id.length <= 36 &&
      typeof parsed.createdAt === 'string' &&
      isStorableDate(new Date(parsed.createdAt))
    ) {
      return parsed;
    }
  } catch {
    // fall through
  }
  throw new DomainError('INVALID_REQUEST', 'cursor is not one this API returned.', {
    errors: [{ in: 'query', path: 'cursor', message: 'invalid' }],
  });
}

/**
 * The rows after a cursor, newest first; a cursor this API did not return is a 400. A row-value
 * comparison, so the database walks its `(…, created_at, id)` index from the cursor on (the
 * equivalent `OR` is applied as a filter over every row before it).
 */
export function afterCursor<T extends Pageable>(
  cursor: string,
  platform: Platform,
): FilterQuery<T> {
  const { createdAt, id } = decodeCursor(cursor);
  const at = platform.processDateProperty(new Date(createdAt));
  return {
    [raw((alias) => `(${alias}.created_at, ${alias}.id) < (?, ?)`, [at, id])]: [],
  } as FilterQuery<T>;
}

/** Sorting for {@link afterCursor}. */
export const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;

/** A page from `limit + 1` rows read newest first: the rows, and the cursor of the next page. */
export function pageOf<T extends Pageable>(
  rows: readonly T[],
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  return {
    data,
    nextCursor: rows.length > limit ? encodeCursor(data[data.length - 1]!) : null,
  };
}
