import { durationSeconds, parseDurations, SCHEDULE_RULES } from '@tether/core';
import type { NotificationCategory, User, Workspace } from '@tether/persistence';
import { z } from 'zod';
import type { TetherConfig } from '../config/tether-config';
import { emailField } from '../http/api-fields';

const SCHEDULE_MESSAGES = {
  NOT_A_DURATION: 'must be a duration such as "14d", "12h" or "30s"',
  TOO_SHORT: 'must be between 1s and 400d',
  TOO_LONG: 'must be between 1s and 400d',
  REPEATED: 'must not list the same duration twice',
} as const;

/** A reminder or follow-up schedule: distinct durations from 1 s to 400 days. */
const schedule = z
  .array(z.string().describe('A duration such as "14d", "12h" or "30s" (units s, m, h, d)'))
  .max(20)
  .check((context) => {
    const parsed = parseDurations(context.value, SCHEDULE_RULES);
    if ('seconds' in parsed) return;
    const { code, index } = parsed.problem;
    context.issues.push({
      code: 'custom',
      input: context.value,
      message: SCHEDULE_MESSAGES[code],
      // A repeated step is the list's fault; anything else is the item's.
      ...(code === 'REPEATED' ? {} : { path: [index] }),
    });
  });

/** What a workspace admin sets: schedules for the workspace, and per provider. */
export const workspaceSettingsSchema = z.strictObject({
  reminderSchedule: schedule.optional(),
  followUpSchedule: schedule.optional(),
  providers: z
    .record(
      z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a provider id'),
      z.strictObject({
        reminderSchedule: schedule.optional(),
        followUpSchedule: schedule.optional(),
        /** People who are not users but must hear about this network's connections (a Page's owner). */
        extraRecipients: z.array(emailField).max(20).optional(),
      }),
    )
    .default({}),
});
export type WorkspaceNotificationSettings = z.output<typeof workspaceSettingsSchema>;

const channels = z.strictObject({ email: z.boolean(), inApp: z.boolean() });

/** What a person chooses to receive. Follow-ups count as alerts. */
export const preferencesSchema = z.strictObject({
  categories: z
    .strictObject({
      reminder: channels.optional(),
      alert: channels.optional(),
      recovery: channels.optional(),
    })
    .default({}),
  /** `daily`: email comes as one message per day instead of one per notification. */
  digest: z.enum(['off', 'daily']).default('off'),
});
export type NotificationPreferences = z.output<typeof preferencesSchema>;

/** A category a person chooses by: reminders, alerts (with their follow-ups) and recoveries. */
export type PreferenceCategory = 'reminder' | 'alert' | 'recovery';

const EVERYTHING = { email: true, inApp: true } as const;

/** Stored JSON, or the defaults (everything, one message at a time) when absent. */
export function workspaceSettings(workspace: Workspace): WorkspaceNotificationSettings {
  return workspace.notificationSettings
    ? workspaceSettingsSchema.parse(JSON.parse(workspace.notificationSettings))
    : { providers: {} };
}

export function preferences(user: User): NotificationPreferences {
  return user.notificationPreferences
    ? preferencesSchema.parse(JSON.parse(user.notificationPreferences))
    : { categories: {}, digest: 'off' };
}

/** Every category with its channels, the defaults filled in. */
export function effectivePreferences(stored: NotificationPreferences) {
  return {
    categories: {
      reminder: stored.categories.reminder ?? EVERYTHING,
      alert: stored.categories.alert ?? EVERYTHING,
      recovery: stored.categories.recovery ?? EVERYTHING,
    },
    digest: stored.digest,
  };
}

export function preferenceCategory(category: NotificationCategory): PreferenceCategory {
  return category === 'follow_up' || category === 'digest' ? 'alert' : category;
}

/**
 * The reminder or follow-up schedule for a network's connections in a workspace, in seconds
 * (in any order; the step arithmetic sorts): the provider's own, else the workspace's, else
 * the server's.
 */
export function scheduleFor(
  settings: WorkspaceNotificationSettings,
  provider: string,
  kind: 'reminder' | 'followUp',
  config: TetherConfig,
): readonly number[] {
  const key = kind === 'reminder' ? 'reminderSchedule' : 'followUpSchedule';
  const chosen = settings.providers[provider]?.[key] ?? settings[key];
  if (!chosen) {
    return kind === 'reminder' ? config.reminderScheduleSeconds : config.followUpScheduleSeconds;
  }
  // Stored settings were validated on the way in.
  return chosen.map((duration) => durationSeconds(duration)!);
}
