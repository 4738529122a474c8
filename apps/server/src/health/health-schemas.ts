import { z } from 'zod';
import { apiSchema } from '../http/api-schemas';

const dependency = z.object({
  kind: z.string().describe('`sqlite` or `postgresql`; `in-process` or `redis`'),
  ok: z.boolean(),
  detail: z.string().optional().describe('Why it is down'),
});

/** The process's health and its dependencies'. Reveals no settings. */
export const healthSchema = apiSchema(
  'Health',
  z.object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({
      process: z.object({
        ok: z.boolean(),
        uptimeSeconds: z.number(),
        rssBytes: z.number(),
      }),
      database: dependency,
      queue: dependency,
    }),
  }),
);
