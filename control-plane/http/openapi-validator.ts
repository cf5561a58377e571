/**
 * Validates every request against the OpenAPI document: path and query parameters (coerced to
 * their declared types) and JSON bodies. A route names its operation; the middleware puts the
 * validated, typed parameters on `ctx.state.params`.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Context, Middleware } from 'koa';
import { parse } from 'yaml';
import type { operations } from '../api-types.ts';
import { errors } from '../errors.ts';

/** An operation of the OpenAPI document, by its operationId. */
export type OperationId = keyof operations;

/** A parameter group of an operation as the generated types spell it; `unknown` when it has none. */
type Group<T> = [NonNullable<T>] extends [never] ? unknown : NonNullable<T>;

/** An operation's query and path parameters, validated and coerced (booleans, arrays) as the contract says. */
export type OperationParams<Id extends OperationId> = Group<operations[Id]['parameters']['query']> & Group<operations[Id]['parameters']['path']>;

/**
 * The parameters `validate(operationId)` checked for this request, typed from the generated API
 * types: a route reads `paramsOf(ctx, 'submitTarball').check_args` instead of casting.
 */
export function paramsOf<Id extends OperationId>(ctx: Context, _operationId: Id): OperationParams<Id> {
  return ctx.state.params as OperationParams<Id>;
}

interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown> & { type?: string | string[] };
}
interface OperationSpec {
  operationId: string;
  parameters?: (ParameterSpec | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
}

const SPEC_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** An OpenAPI document as parsed from YAML: read by path, its shape checked by the validator's schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped YAML, walked by key
export type OpenApiDocument = Record<string, any>;

/** The OpenAPI document, as served at /openapi.json. */
export const openApiDocument: OpenApiDocument = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8'));

function describe(errorList: ErrorObject[] | null | undefined, where: string): string {
  const first = errorList?.[0];
  if (!first) return `${where} is not valid`;
  const field = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (first.keyword === 'additionalProperties') {
    return `${where}: '${String(first.params.additionalProperty)}' is not accepted here`;
  }
  if (first.keyword === 'required') return `${where}: '${String(first.params.missingProperty)}' is required`;
  return `${where}${field ? ` '${field}'` : ''} ${first.message ?? 'is not valid'}`;
}

/** Parameters may be `$ref`s into components.parameters. */
function resolveParameter(parameter: ParameterSpec | { $ref: string }, components: Record<string, Record<string, unknown>>): ParameterSpec {
  if (!('$ref' in parameter)) return parameter;
  const name = parameter.$ref.split('/').pop()!;
  return components.parameters[name] as unknown as ParameterSpec;
}

export class OpenApiValidator {
  private readonly ajv = new Ajv({ strict: false, coerceTypes: 'array', useDefaults: true, allErrors: false });
  private readonly operations = new Map<string, { params: ValidateFunction; body?: ValidateFunction; booleans: string[]; known: string[] }>();

  constructor(document: OpenApiDocument = openApiDocument) {
    (addFormatsModule as unknown as (ajv: Ajv) => void)(this.ajv);
    const withIds = JSON.parse(JSON.stringify(document).replaceAll('"#/components/', `"${SPEC_ID}#/components/`));
    this.ajv.addSchema({ $id: SPEC_ID, components: withIds.components });
    for (const pathItem of Object.values<Record<string, OperationSpec>>(withIds.paths)) {
      for (const method of METHODS) {
        const operation = pathItem[method];
        if (operation) this.compile(operation, withIds.components);
      }
    }
  }

  private compile(operation: OperationSpec, components: Record<string, Record<string, unknown>>): void {
    const parameters = (operation.parameters ?? [])
      .map((parameter) => resolveParameter(parameter, components))
      .filter((parameter) => parameter.in !== 'header');
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
      required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    };
    const json = operation.requestBody?.content['application/json']?.schema;
    this.operations.set(operation.operationId, {
      params: this.ajv.compile(schema),
      body: json ? this.ajv.compile(json as object) : undefined,
      booleans: parameters.filter((parameter) => parameter.schema.type === 'boolean').map((parameter) => parameter.name),
      known: parameters.map((parameter) => parameter.name),
    });
  }

  /** Middleware validating the request for `operationId`. */
  validate(operationId: OperationId): Middleware {
    const operation = this.operations.get(operationId);
    if (!operation) throw new Error(`no operation '${operationId}' in the OpenAPI document`);
    return async (ctx, next) => {
      const values: Record<string, unknown> = { ...ctx.query, ...(ctx as { params?: Record<string, string> }).params };
      // People and browsers write follow=1; JSON Schema only coerces "true"/"false".
      for (const name of operation.booleans) {
        if (values[name] === '1' || values[name] === '') values[name] = 'true';
        if (values[name] === '0') values[name] = 'false';
      }
      if (!operation.params(values)) {
        const first = operation.params.errors?.[0];
        if (first?.keyword === 'additionalProperties') {
          throw errors.invalidRequest(
            `unknown parameter '${String(first.params.additionalProperty)}'; this route takes: ${operation.known.join(', ') || 'none'}`,
          );
        }
        // A job id of the wrong shape names no job: say that, not which pattern it missed.
        const pathId = (ctx as { params?: Record<string, string> }).params?.id;
        if (first?.instancePath === '/id' && first.keyword === 'pattern' && pathId !== undefined) throw errors.jobNotFound(pathId);
        throw errors.invalidRequest(describe(operation.params.errors, 'parameter'));
      }
      ctx.state.params = values;
      if (operation.body && ctx.state.jsonBody !== undefined && !operation.body(ctx.state.jsonBody)) {
        throw errors.invalidRequest(describe(operation.body.errors, 'body'));
      }
      await next();
    };
  }
}
