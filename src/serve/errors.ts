/**
 * Errors of the HTTP server, answered the way OpenAI's API answers them:
 * `{"error":{"message","type","param","code"}}` with a matching status, so OpenAI clients raise
 * their usual exceptions. Every failure a request can meet (a bad body, an unknown model, a full
 * queue, a timeout) is an `ApiError`; anything else is a 500 whose details stay in the log.
 */

/** The `type` field: what kind of failure, as OpenAI names them where it has a name. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'server_error'
  | 'unavailable_error';

/** What the body of an error answer holds. */
export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/** A failure with its HTTP status, `type`, and the request field at fault (`param`) when there is one. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly type: ApiErrorType, readonly param: string | null = null,
    readonly code: string | null = null) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: a field's value is wrong (`param` names the field). */
export const badRequest = (param: string | null, message: string, code: string | null = null): ApiError =>
  new ApiError(400, message, 'invalid_request_error', param, code);

/** 404: no model has this id (ids only: a path is never looked up). */
export const modelNotFound = (id: string): ApiError =>
  new ApiError(404, `the model '${id}' does not exist; GET /v1/models lists the served ones`, 'invalid_request_error', 'model',
    'model_not_found');

/** 400: the model exists but its task cannot do what the route asks (a translation model asked for suggestions). */
export const notCapable = (id: string, task: string, capability: string): ApiError =>
  badRequest('model', `the model '${id}' is a ${task} model, and ${task} models cannot ${capability}`, 'model_not_capable');

/** 413: the body is over `--max-body`. */
export const bodyTooLarge = (limit: number): ApiError =>
  new ApiError(413, `the request body is over the limit of ${limit} bytes (the server's --max-body)`, 'invalid_request_error', 'body',
    'body_too_large');

/** 429: the queue of waiting requests is full. */
export const queueFull = (size: number): ApiError =>
  new ApiError(429, `the server is busy: ${size} requests are already waiting (the server's --queue); retry later`, 'rate_limit_error', null,
    'queue_full');

/** 504: the model did not answer in time. */
export const timedOut = (seconds: number): ApiError =>
  new ApiError(504, `the model took longer than ${seconds} s (the server's --timeout)`, 'timeout_error', null, 'timeout');

/** 503: the server is shutting down or not ready yet. */
export const unavailable = (message: string): ApiError => new ApiError(503, message, 'unavailable_error', null, 'unavailable');

/** The `param` of an ajv error path: `/sentences/3` → `sentences[3]`, `` → null. */
export function paramOf(instancePath: string, property?: string): string | null {
  const parts = instancePath.split('/').filter(Boolean);
  if (property !== undefined) parts.push(property);
  if (parts.length === 0) return null;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The shape fastify gives a failed schema check (one error: the first found). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** A failed schema check as a 400 that names the field and says what is wrong in plain words. */
export function validationError(issue: ValidationIssue): ApiError {
  if (issue.keyword === 'additionalProperties') {
    const field = String(issue.params.additionalProperty);
    return badRequest(paramOf(issue.instancePath, field), `unknown field '${paramOf(issue.instancePath, field)}'`);
  }
  if (issue.keyword === 'required') {
    const field = String(issue.params.missingProperty);
    return badRequest(paramOf(issue.instancePath, field), `missing field '${paramOf(issue.instancePath, field)}'`);
  }
  const param = paramOf(issue.instancePath);
  if (issue.keyword === 'maxLength') {
    return badRequest(param, `${param}: ${issue.message ?? 'too long'} (the server's --max-length)`, 'too_long');
  }
  if (param === null) return badRequest('body', `the body ${issue.message ?? 'is not valid'}`);
  return badRequest(param, `${param}: ${issue.message ?? 'is not valid'}`);
}
