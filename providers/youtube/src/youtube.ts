import {
  AccountNotSupportedError,
  defineProvider,
  type HealthCheckResult,
} from '@tether/provider-sdk';
import {
  classifyGoogleError,
  googleGet,
  googleLifetimes,
  googleOAuth,
  type GoogleProduct,
  googleRefresh,
  probe,
  revokeGoogleGrant,
} from '@tether/provider-google';

/** @see ../README.md and shared reference §9: YouTube Data API v3 */
const CHANNELS_LIST = 'https://developers.google.com/youtube/v3/docs/channels/list';

/** The channel the token acts for: `?part=snippet&mine=true`. */
export const CHANNELS_URL = 'https://www.googleapis.com/youtube/v3/channels';

/** The time zone whose midnight resets the YouTube Data API's daily quota. */
export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const pacificClock = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** How far Pacific wall-clock time is ahead of UTC at a moment, in milliseconds (negative). */
function pacificOffsetMs(at: number): number {
  const parts = new Map(
    pacificClock.formatToParts(new Date(at)).map((part) => [part.type, Number(part.value)]),
  );
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.get(type) ?? 0;
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - (at - (at % 1000));
}

/**
 * Seconds from `now` until the next midnight in Pacific time, when YouTube resets daily quotas.
 * Counts the 23- and 25-hour days of daylight-saving changes right.
 */
export function secondsUntilPacificMidnight(now: Date): number {
  const at = now.getTime();
  const wall = new Date(at + pacificOffsetMs(at));
  const nextWallMidnight = Date.UTC(
    wall.getUTCFullYear(),
    wall.getUTCMonth(),
    wall.getUTCDate() + 1,
  );
  // The offset at midnight can differ from the offset now when the clocks change in between.
  const guess = nextWallMidnight - pacificOffsetMs(at);
  const midnight = nextWallMidnight - pacificOffsetMs(guess);
  return Math.ceil((midnight - at) / 1000);
}

const product: GoogleProduct = {
  name: 'YouTube',
  apis: 'YouTube Data API v3',
  permissionDeniedRemedy:
    'The Google account may no longer act for this YouTube channel. Ask the channel owner to give it access again (YouTube Studio → Settings → Permissions), then reconnect.',
  classify(error, _response, now) {
    // A 403, but a quota, not a permission: the project spent its daily units.
    if (error.reasons.has('quotaExceeded') || error.reasons.has('dailyLimitExceeded')) {
      return {
        reason: 'rate_limited',
        retryAfterSeconds: secondsUntilPacificMidnight(now),
        remedy:
          'The Google Cloud project used up its daily YouTube Data API quota (one upload costs 1,600 units). Tether waits for the reset at midnight Pacific time; an operator can ask Google for more quota from the Google Cloud console.',
      };
    }
    if (error.reasons.has('authenticatedUserAccountSuspended')) {
      return {
        reason: 'account_restricted',
        remedy:
          'YouTube suspended the account that authorized the connection. Resolve the suspension with YouTube (YouTube Studio shows the appeal), then reconnect.',
      };
    }
    if (error.reasons.has('authenticatedUserAccountClosed')) {
      return {
        reason: 'account_restricted',
        remedy:
          'The YouTube account that authorized the connection is closed. Reconnect with a Google account whose channel is active.',
      };
    }
    if (error.reasons.has('accountDelegationForbidden')) {
      // About the one channel (Brand Account) the connection acts for.
      return {
        reason: 'role_lost',
        scope: 'account',
        remedy:
          'The Google account may no longer act for this channel’s Brand Account. Ask an owner of the channel to make it a manager again, then reconnect.',
      };
    }
    return undefined;
  },
};

interface ChannelList {
  items?: { id?: unknown; snippet?: { title?: unknown } }[];
}

export const youtube = defineProvider({
  id: 'youtube',
  displayName: 'YouTube',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://developers.google.com/youtube/v3',
  oauth: googleOAuth,
  scopes: {
    separator: ' ',
    required: [
      {
        name: 'https://www.googleapis.com/auth/youtube.readonly',
        purpose: 'Find the channel the authorization acts for, and run health checks.',
      },
    ],
    optional: [
      {
        name: 'https://www.googleapis.com/auth/youtube.upload',
        purpose:
          'Upload videos (videos.insert). Uploads from an unaudited project created after 28 July 2020 stay private.',
      },
      {
        name: 'https://www.googleapis.com/auth/youtube',
        purpose: 'Manage the channel: videos, playlists and their details.',
      },
      {
        name: 'https://www.googleapis.com/auth/youtube.force-ssl',
        purpose: 'Manage captions and comments.',
      },
      {
        name: 'https://www.googleapis.com/auth/yt-analytics.readonly',
        purpose: 'Read the channel’s YouTube Analytics reports.',
      },
    ],
  },
  lifetimes: googleLifetimes,
  refresh: googleRefresh,
  healthCheck: {
    // One quota unit per check: four a day per connection.
    intervalSeconds: 6 * 3600,
    description: 'GET youtube/v3/channels?part=id&mine=true',
    see: CHANNELS_LIST,
    run(tokens, context): Promise<HealthCheckResult> {
      const url = new URL(CHANNELS_URL);
      url.searchParams.set('part', 'id');
      url.searchParams.set('mine', 'true');
      return probe(() => googleGet(youtube, 'health check', url, tokens, context));
    },
  },
  /** @see https://developers.google.com/youtube/v3/docs/errors */
  classifyError: (response, context) => classifyGoogleError(response, product, context),
  async discoverAccounts(tokens, context) {
    const url = new URL(CHANNELS_URL);
    url.searchParams.set('part', 'snippet');
    url.searchParams.set('mine', 'true');
    const body = (await googleGet(youtube, 'account discovery', url, tokens, context))
      .body as ChannelList | null;
    const channels = (body?.items ?? [])
      .filter((item) => typeof item.id === 'string' && item.id.length > 0)
      .map((item) => {
        const title = item.snippet?.title;
        return {
          id: item.id as string,
          name: typeof title === 'string' && title ? title : (item.id as string),
          kind: 'channel' as const,
        };
      });
    const [first] = channels;
    if (!first) {
      throw new AccountNotSupportedError(
        'youtube',
        'This Google account has no YouTube channel. Create a channel on YouTube, or connect with the Google account or Brand Account that owns the channel, then connect again.',
      );
    }
    // Google asks which channel to act as during consent (a Brand Account is a Google identity
    // of its own), so the token belongs to the channel: it is the subject.
    return { subject: { id: first.id, name: first.name }, accounts: channels };
  },
  revokeToken: (tokens, context): Promise<void> => revokeGoogleGrant(youtube, tokens, context),
});

export default youtube;
