import { EntityManager } from '@mikro-orm/core';
import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Connection, User, Workspace } from '@tether/persistence';
import type { z } from 'zod';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { assertWorkspaceAdmin, CurrentPrincipal, type Principal } from '../identity/principal';
import { ProviderRegistry } from '../providers/provider-registry';
import { notificationPreferencesSchema, notificationSettingsSchema } from './notification-schemas';
import {
  effectivePreferences,
  preferences,
  preferencesSchema,
  workspaceSettings,
  workspaceSettingsSchema,
} from './notification-settings';

function seconds(values: readonly number[]): string[] {
  return values.map((value) => `${value}s`);
}

/**
 * Who hears what: the workspace's schedules and extra addresses per provider (admins), and each
 * person's categories, channels and digest (the person, or an admin).
 */
@ApiTags('notifications')
@Controller('api/v1')
@ApiKeyAuth()
export class NotificationSettingsController {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  private settingsView(workspace: Workspace): z.infer<typeof notificationSettingsSchema> {
    return {
      ...workspaceSettings(workspace),
      defaults: {
        reminderSchedule: seconds(this.config.reminderScheduleSeconds),
        followUpSchedule: seconds(this.config.followUpScheduleSeconds),
      },
    };
  }

  @Get('notification-settings')
  @ApiOperation({ summary: 'The workspace’s reminder and follow-up schedules and extra addresses' })
  @ApiOkResponse({
    description: 'The settings, and the server’s defaults they override',
    schema: schemaRef(notificationSettingsSchema),
  })
  async getSettings(@CurrentPrincipal() principal: Principal) {
    assertWorkspaceAdmin(principal);
    const workspace = await this.em.fork().findOneOrFail(Workspace, { id: principal.workspaceId });
    return this.settingsView(workspace);
  }

  @Put('notification-settings')
  @ApiOperation({
    summary: 'Replace the workspace’s notification settings',
    description:
      'Schedules are lists of durations (`14d`, `12h`, `30s`): reminders before a hard expiry, follow-ups after an alert (the last gap repeats). A provider’s own schedule wins over the workspace’s, which wins over the server’s. `extraRecipients` get every email about that provider’s connections.',
  })
  @ApiJsonBody(workspaceSettingsSchema)
  @ApiOkResponse({
    description: 'The stored settings',
    schema: schemaRef(notificationSettingsSchema),
  })
  async putSettings(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(workspaceSettingsSchema)) input: z.output<typeof workspaceSettingsSchema>,
  ) {
    assertWorkspaceAdmin(principal);
    const known = new Set(this.registry.list().map((active) => active.id));
    const unknown = Object.keys(input.providers).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DomainError(
        'INVALID_REQUEST',
        `The request is not valid: ${unknown.map((id) => `providers.${id}: no such provider is loaded`).join('; ')}.`,
        {
          errors: unknown.map((id) => ({
            in: 'body' as const,
            path: `providers.${id}`,
            message: 'no such provider is loaded',
          })),
        },
      );
    }
    const em = this.em.fork();
    const workspace = await em.findOneOrFail(Workspace, { id: principal.workspaceId });
    workspace.notificationSettings = JSON.stringify(input);
    await em.flush();
    // Schedules may have changed: every pending reminder and follow-up is worked out again.
    const now = this.clock.now();
    await em.nativeUpdate(
      Connection,
      { workspace: workspace.id, hardExpiresAt: { $gt: now } },
      { nextReminderAt: now },
    );
    await em.nativeUpdate(
      Connection,
      { workspace: workspace.id, alertedAt: { $ne: null } },
      { nextFollowUpAt: now },
    );
    return this.settingsView(workspace);
  }

  /** `me` is the key's own user; members may only reach their own preferences. */
  private async user(principal: Principal, id: string): Promise<User> {
    const userId = id === 'me' ? principal.userId : id;
    if (!userId) {
      throw new DomainError('USER_NOT_FOUND', 'This key acts for no user; name the user by id.');
    }
    if (principal.userRole === 'member' && userId !== principal.userId) {
      throw new DomainError(
        'INSUFFICIENT_SCOPE',
        'A member’s key can only read and change its own notification preferences.',
      );
    }
    const user = await this.em
      .fork()
      .findOne(User, { id: userId, workspace: principal.workspaceId });
    if (!user) throw new DomainError('USER_NOT_FOUND', `No user ${userId} in this workspace.`);
    return user;
  }

  @Get('users/:id/notification-preferences')
  @ApiOperation({ summary: 'What a person receives, on which channel (`me` for the key’s user)' })
  @ApiOkResponse({
    description: 'Every category with its channels, and the digest choice',
    schema: schemaRef(notificationPreferencesSchema),
  })
  @ApiProblems('USER_NOT_FOUND')
  async getPreferences(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return effectivePreferences(preferences(await this.user(principal, id)));
  }

  @Put('users/:id/notification-preferences')
  @ApiOperation({
    summary: 'Choose categories, channels and the daily digest',
    description:
      'Categories are `reminder`, `alert` (with its follow-ups) and `recovery`, each with `email` and `inApp`; a category left out gets both. `digest: "daily"` gathers email into one message per day; the in-app feed is unchanged.',
  })
  @ApiJsonBody(preferencesSchema)
  @ApiOkResponse({
    description: 'The preferences now in force',
    schema: schemaRef(notificationPreferencesSchema),
  })
  @ApiProblems('USER_NOT_FOUND')
  async putPreferences(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodPipe(preferencesSchema)) input: z.output<typeof preferencesSchema>,
  ) {
    const found = await this.user(principal, id);
    const em = this.em.fork();
    await em.nativeUpdate(
      User,
      { id: found.id },
      { notificationPreferences: JSON.stringify(input) },
    );
    return effectivePreferences(input);
  }
}
