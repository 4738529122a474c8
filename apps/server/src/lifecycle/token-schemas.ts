import { z } from 'zod';
import { connectionSchema } from '../connections/views';
import { apiSchema, isoDateTime } from '../http/api-schemas';
import { classificationSchema } from '../providers/provider-schemas';

/** A valid access token for a connection. */
export const accessTokenSchema = apiSchema(
  'AccessToken',
  z.object({
    accessToken: z.string(),
    tokenType: z.literal('bearer'),
    expiresAt: isoDateTime.nullable().describe('null: it does not expire by time'),
    tokenSecret: z.string().optional().describe('OAuth 1.0a networks: the token secret'),
  }),
);

/** What a health check run on demand found. */
export const checkResultSchema = apiSchema(
  'CheckResult',
  z.object({
    checked: z.boolean().describe('false when the network offers no check'),
    verdict: classificationSchema.nullable().describe('null when the check passed'),
    connection: connectionSchema,
  }),
);

/** A reported error's classification, how it was confirmed, and the connection after it. */
export const reportedErrorSchema = apiSchema(
  'ReportedError',
  classificationSchema.extend({
    confirmation: z
      .enum(['not_needed', 'confirmed', 'not_confirmed', 'unavailable'])
      .describe(
        '`not_needed`: applied as it stands; `confirmed`: a renewal or check failed too (`confirmedVerdict`); `not_confirmed`: nothing ended; `unavailable`: nothing could confirm it',
      ),
    confirmedVerdict: classificationSchema.nullable(),
    connection: connectionSchema,
  }),
);
