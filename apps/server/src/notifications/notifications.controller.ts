import { EntityManager } from '@mikro-orm/core';
import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Notification } from '@tether/persistence';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import { DomainError } from '../domain-error';
import { schemaRef } from '../http/api-schemas';
import { ApiKeyAuth, ApiProblems } from '../http/openapi';
import { afterCursor, NEWEST_FIRST, pageOf, pageQuery } from '../http/page';
import { ZodPipe } from '../http/zod-body.pipe';
import { CurrentPrincipal, type Principal } from '../identity/principal';
import { notificationFeedSchema, notificationSchema } from './notification-schemas';

const feedQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  ...pageQuery,
});

function view(notification: Notification): z.infer<typeof notificationSchema> {
  return {
    id: notification.id,
    connectionId: notification.connectionId,
    category: notification.category,
    /** Who must act on it (`owner`, `account_admin`, `operator`), or null when nobody must. */
    actor: (notification.actor ?? null) as z.infer<typeof notificationSchema>['actor'],
    subject: notification.subject,
    body: notification.body,
    createdAt: notification.createdAt.toISOString(),
    readAt: notification.readAt?.toISOString() ?? null,
  };
}

/** The in-app feed: a user's key sees their messages; a key without a user sees the workspace's. */
@ApiTags('notifications')
@Controller('api/v1/notifications')
@ApiKeyAuth()
export class NotificationsController {
  constructor(
    private readonly em: EntityManager,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private scope(principal: Principal) {
    return {
      workspace: principal.workspaceId,
      channel: 'in_app' as const,
      ...(principal.userId ? { recipient: principal.userId } : {}),
    };
  }

  @Get()
  @ApiOperation({
    summary: 'The in-app notification feed, newest first, a page at a time, with the unread count',
  })
  @ApiQuery({ name: 'unread', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({
    description: 'A page of the feed and the unread count',
    schema: schemaRef(notificationFeedSchema),
  })
  @ApiProblems('INVALID_REQUEST')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(feedQuery)) query: z.output<typeof feedQuery>,
  ) {
    const em = this.em.fork();
    const rows = await em.find(
      Notification,
      {
        $and: [
          this.scope(principal),
          query.unread === 'true' ? { readAt: null } : {},
          query.cursor ? afterCursor<Notification>(query.cursor, em.getPlatform()) : {},
        ],
      },
      { orderBy: NEWEST_FIRST, limit: query.limit + 1 },
    );
    const page = pageOf(rows, query.limit);
    const unreadCount = await em.count(Notification, { ...this.scope(principal), readAt: null });
    return { data: page.data.map(view), nextCursor: page.nextCursor, unreadCount };
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark a notification read' })
  @ApiNoContentResponse({ description: 'Marked' })
  @ApiProblems('NOT_FOUND')
  async read(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    const updated = await this.em
      .fork()
      .nativeUpdate(Notification, { id, ...this.scope(principal) }, { readAt: this.clock.now() });
    if (updated === 0) throw new DomainError('NOT_FOUND', `No notification ${id} in this feed.`);
  }
}
