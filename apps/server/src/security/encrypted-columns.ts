/** The columns that hold ciphertext, by table; each value is bound to `<table>:<id>:<column>`. */
export const ENCRYPTED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  grants: ['access_token', 'refresh_token', 'token_secret'],
  connections: ['access_token'],
  connect_sessions: ['verifier'],
  webhooks: ['secret'],
};

/** The associated data a stored value is encrypted with, tying it to its row and column. */
export function valueBinding(table: string, id: string, column: string): string {
  return `${table}:${id}:${column}`;
}

/** The prefix every value encrypted with the key `keyId` starts with. */
export function keyPrefix(keyId: string): string {
  return `v1.${keyId}.`;
}
