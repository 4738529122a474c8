import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { emailField } from '../http/api-fields';
import { schemaRef } from '../http/api-schemas';
import { ApiJsonBody, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { userView } from './identity.controller';
import { consoleSessionSchema, signInLinkRequestedSchema } from './identity-schemas';
import { Public } from './principal';
import { CONSOLE_SESSION_HOURS, SIGN_IN_LINK_MINUTES, SignInLinks } from './sign-in-links';

const requestBody = z.strictObject({ email: emailField });

// The token is sent in the body, never in the path: paths are logged.
const redeemBody = z.strictObject({ token: z.string().min(1).max(200) });

/** Signing in to the console with a one-time link sent by email. Public, and rate-limited per address. */
@ApiTags('identity')
@Controller('api/v1/sign-in-links')
@Public()
@ApiProblems('RATE_LIMITED')
export class SignInLinksController {
  constructor(private readonly links: SignInLinks) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a one-time sign-in link to the person with this address',
    description: `Every user with this address (one per workspace) is sent a link to the console that works once, within ${SIGN_IN_LINK_MINUTES} minutes. The answer is the same whether or not anyone has the address.`,
  })
  @ApiJsonBody(requestBody)
  @ApiAcceptedResponse({
    description: 'Accepted: if the address is a user’s, a link is on its way',
    schema: schemaRef(signInLinkRequestedSchema),
  })
  request(
    @Body(new ZodPipe(requestBody)) input: z.output<typeof requestBody>,
  ): z.infer<typeof signInLinkRequestedSchema> {
    this.links.request(input.email);
    return {
      detail: `If a user has this address, a sign-in link is on its way to it. It works once, within ${SIGN_IN_LINK_MINUTES} minutes.`,
    };
  }

  @Post('redeem')
  @ApiOperation({
    summary: 'Exchange a sign-in link’s token, once, for an API key of its person',
    description: `The key acts for the person the link was sent to, as their own keys do, and expires after ${CONSOLE_SESSION_HOURS} hours.`,
  })
  @ApiJsonBody(redeemBody)
  @ApiCreatedResponse({
    description: 'The key, shown only here',
    schema: schemaRef(consoleSessionSchema),
  })
  @ApiProblems('SIGN_IN_LINK_NOT_FOUND', 'SIGN_IN_LINK_USED', 'SIGN_IN_LINK_EXPIRED')
  async redeem(
    @Body(new ZodPipe(redeemBody)) input: z.output<typeof redeemBody>,
  ): Promise<z.infer<typeof consoleSessionSchema>> {
    const { key, expiresAt, user } = await this.links.redeem(input.token);
    return { key, expiresAt: expiresAt.toISOString(), user: userView(user) };
  }
}
