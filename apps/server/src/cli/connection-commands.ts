import type { INestApplicationContext } from '@nestjs/common';
import type { ConnectionStatus } from '@tether/persistence';
import { ConnectionsService } from '../connections/connections.service';
import { connectionView } from '../connections/views';
import type { Principal } from '../identity/principal';
import { HealthChecks } from '../lifecycle/health-checks';
import { printTable } from './table';

/** The CLI acts as a workspace admin: whoever runs it already holds the database. */
const admin = (workspaceId: string): Principal => ({ workspaceId, scope: 'admin' });

export async function listConnections(
  services: INestApplicationContext,
  workspaceId: string,
  filters: { status?: ConnectionStatus; provider?: string; limit: number; cursor?: string },
  out: (line: string) => void,
): Promise<void> {
  const page = await services.get(ConnectionsService).list(admin(workspaceId), filters);
  printTable(
    ['ID', 'PROVIDER', 'NAME', 'STATUS', 'REASON', 'HARD EXPIRY'],
    page.data.map((row) => {
      const view = connectionView(row);
      return [
        view.id,
        view.provider,
        view.name,
        view.status,
        view.reason ?? '',
        view.hardExpiresAt ?? '',
      ];
    }),
    out,
  );
  if (page.nextCursor) out(`More: add --cursor ${page.nextCursor}`);
}

/** Runs a connection's health check now, as `POST /api/v1/connections/{id}/check` does. */
export async function checkConnection(
  services: INestApplicationContext,
  workspaceId: string,
  id: string,
  out: (line: string) => void,
): Promise<void> {
  const connections = services.get(ConnectionsService);
  const connection = await connections.getToActOn(admin(workspaceId), id);
  const outcome = await services.get(HealthChecks).connection(connection);
  const after = connectionView(await connections.get(admin(workspaceId), id));
  if (!outcome.checked) out(`${after.provider} offers no health check for this connection.`);
  else if (!outcome.verdict) out('The token works.');
  else
    out(
      `The check failed: ${outcome.verdict.reason} (${outcome.verdict.transient ? 'transient' : 'permanent'}). ${outcome.verdict.remedy}`,
    );
  out(`Status: ${after.status}${after.reason ? ` (${after.reason})` : ''}`);
}
