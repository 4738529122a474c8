import type { INestApplicationContext } from '@nestjs/common';
import type { ApiKeyScope } from '@tether/persistence';
import { IdentityService } from '../identity/identity.service';
import { printTable } from './table';

const iso = (date: Date | undefined) => (date ? date.toISOString() : '');

/** Creates a workspace API key; its secret is printed this once and never stored. */
export async function createKey(
  services: INestApplicationContext,
  workspaceId: string,
  input: { name: string; scope: ApiKeyScope; userId?: string },
  out: (line: string) => void,
): Promise<void> {
  const { apiKey, key } = await services.get(IdentityService).createApiKey(workspaceId, input);
  out(`Created API key ${apiKey.id} (${apiKey.scope}) "${apiKey.name}".`);
  out(`Key (shown only now; store it safely): ${key}`);
}

export async function listKeys(
  services: INestApplicationContext,
  workspaceId: string,
  out: (line: string) => void,
): Promise<void> {
  const keys = await services.get(IdentityService).listApiKeys(workspaceId);
  printTable(
    ['ID', 'NAME', 'SCOPE', 'PREFIX', 'CREATED', 'LAST USED'],
    keys.map((key) => [
      key.id,
      key.name,
      key.scope,
      `${key.keyPrefix}…`,
      iso(key.createdAt),
      iso(key.lastUsedAt),
    ]),
    out,
  );
}

export async function revokeKey(
  services: INestApplicationContext,
  workspaceId: string,
  id: string,
  out: (line: string) => void,
): Promise<void> {
  await services.get(IdentityService).revokeApiKey(workspaceId, id);
  out(`Revoked API key ${id}: it is refused from now on.`);
}

export async function listUsers(
  services: INestApplicationContext,
  workspaceId: string,
  out: (line: string) => void,
): Promise<void> {
  const users = await services.get(IdentityService).listUsers(workspaceId);
  printTable(
    ['ID', 'EMAIL', 'NAME', 'ROLE', 'CREATED'],
    users.map((user) => [user.id, user.email, user.name, user.role, iso(user.createdAt)]),
    out,
  );
}
