import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Clock } from '../clock/clock';
import { RequireScope } from '../identity/principal';
import { ApiJsonBody, ApiKeyAuth, ApiProblems } from '../http/openapi';
import { ZodPipe } from '../http/zod-body.pipe';
import { catalogEntry } from './provider-catalog';
import { ProviderRegistry } from './provider-registry';

const classifyErrorBody = z.strictObject({
  status: z.number().int().min(0).max(999),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});

/** The catalog of loaded providers. Readable by any API key. */
@ApiTags('providers')
@Controller('api/v1/providers')
@RequireScope('tokens:read')
@ApiKeyAuth()
export class ProvidersController {
  constructor(
    private readonly registry: ProviderRegistry,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the loaded providers with everything they declare' })
  @ApiOkResponse({ description: '`{ data: CatalogEntry[] }`' })
  list() {
    return { data: this.registry.list().map(catalogEntry) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One provider: endpoints, scopes, lifetimes, refresh strategy, health check',
  })
  @ApiOkResponse({ description: 'The catalog entry' })
  @ApiProblems('PROVIDER_NOT_FOUND')
  get(@Param('id') id: string) {
    return catalogEntry(this.registry.get(id));
  }

  @Post(':id/classify-error')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Classify an error response a network returned',
    description:
      'Runs the provider’s classifier on `{ status, headers, body }` and returns `{ reason, transient, remedy }`.',
  })
  @ApiJsonBody(classifyErrorBody)
  @ApiOkResponse({ description: '`{ reason, transient, remedy, retryAfterSeconds? }`' })
  @ApiProblems('PROVIDER_NOT_FOUND')
  classify(
    @Param('id') id: string,
    @Body(new ZodPipe(classifyErrorBody)) input: z.output<typeof classifyErrorBody>,
  ) {
    const { provider } = this.registry.get(id);
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return provider.classifyError(
      { status: input.status, headers, body: input.body },
      { now: this.clock.now() },
    );
  }
}
