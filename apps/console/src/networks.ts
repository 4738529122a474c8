import type { Schemas } from '@tether/client';
import { client } from './session';

export type CatalogEntry = Schemas['CatalogEntry'];

/** The networks this instance loads, as the providers endpoint lists them. */
export async function catalog(): Promise<CatalogEntry[]> {
  const { data } = await client().GET('/api/v1/providers');
  return data?.data ?? [];
}

/** The network's display name, or its id when the catalog does not list it. */
export function networkName(entries: readonly CatalogEntry[], id: string): string {
  return entries.find((entry) => entry.id === id)?.displayName ?? id;
}
