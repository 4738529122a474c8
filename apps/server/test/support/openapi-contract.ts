import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import type { TestServer } from './server';

interface DocumentedResponse {
  readonly content?: Record<string, { schema?: unknown }>;
}

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `GET /api/v1/connections/{id}`: one operation of the document. */
export type OperationKey = `${Uppercase<(typeof METHODS)[number]>} ${string}`;

/** A JSON pointer segment (RFC 6901). */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Calls a running server and checks every answer against the OpenAPI document it serves: the
 * status must be documented (or fall under `default`), with the answer's content type, and the
 * body must validate against that response's schema. Records which statuses each operation gave.
 */
export class ContractClient {
  /** Per operation, the statuses it answered with. */
  readonly seen = new Map<OperationKey, Set<number>>();
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(
    private readonly server: TestServer,
    readonly document: OpenApiDocument,
    private readonly ajv: Ajv2020,
  ) {}

  /** Reads `/openapi.json` from the server. */
  static async of(server: TestServer): Promise<ContractClient> {
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApiDocument;
    // OpenAPI's own keywords (`example`, `discriminator`…) are not JSON Schema's.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(document, 'openapi');
    return new ContractClient(server, document, ajv);
  }

  /** Every operation of the document. */
  operations(): OperationKey[] {
    return Object.entries(this.document.paths).flatMap(([path, operations]) =>
      METHODS.filter((method) => operations[method]).map(
        (method) => `${method.toUpperCase()} ${path}` as OperationKey,
      ),
    );
  }

  /** The success statuses an operation documents. */
  successStatuses(operation: OperationKey): number[] {
    const [method, path] = operation.split(' ') as [string, string];
    const responses = this.document.paths[path]![method.toLowerCase()]!.responses;
    return Object.keys(responses)
      .filter((status) => /^2\d\d$/.test(status))
      .map(Number);
  }

  /**
   * Sends `operation` with `params` filled into its path, checks the answer against the
   * document and returns its status and parsed body.
   */
  async call<T = unknown>(
    operation: OperationKey,
    options: {
      params?: Record<string, string>;
      query?: Record<string, string>;
      json?: unknown;
      key?: string | null;
    } = {},
  ): Promise<{ status: number; body: T }> {
    const [method, template] = operation.split(' ') as [string, string];
    const operations = this.document.paths[template];
    expect(operations?.[method.toLowerCase()], `${operation} is not documented`).toBeDefined();
    const path = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`${operation}: no value for {${name}}`);
      return encodeURIComponent(value);
    });
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const response = await this.server.request(method, `${path}${query}`, {
      ...(options.key !== undefined ? { key: options.key } : {}),
      ...(options.json !== undefined ? { json: options.json } : {}),
    });
    const text = await response.text();
    const label = `${operation} → ${response.status} ${text.slice(0, 500)}`;
    const responses = operations![method.toLowerCase()]!.responses;
    const documented = responses[String(response.status)] ?? responses.default;
    expect(documented, `${label}: the status is not documented`).toBeDefined();
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    let body: unknown;
    if (text === '') {
      expect(documented!.content, `${label}: the document promises a body`).toBeUndefined();
    } else {
      const statusKey = responses[String(response.status)] ? String(response.status) : 'default';
      expect(
        documented!.content?.[mediaType]?.schema,
        `${label}: no schema for ${mediaType}`,
      ).toBeDefined();
      body = mediaType === 'text/plain' ? text : JSON.parse(text);
      const validate = this.validator(
        `openapi#/paths/${pointer(template)}/${method.toLowerCase()}/responses/${statusKey}/content/${pointer(mediaType)}/schema`,
      );
      const valid = validate(body);
      expect(valid, `${label}\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}`).toBe(
        true,
      );
    }
    const seen = this.seen.get(operation) ?? new Set<number>();
    seen.add(response.status);
    this.seen.set(operation, seen);
    return { status: response.status, body: body as T };
  }

  /** Checks a value against a component schema of the document (`#/components/schemas/{name}`). */
  expectComponent(name: string, value: unknown): void {
    const validate = this.validator(`openapi#/components/schemas/${pointer(name)}`);
    const valid = validate(value);
    expect(valid, `${name}: ${this.ajv.errorsText(validate.errors)}`).toBe(true);
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}
