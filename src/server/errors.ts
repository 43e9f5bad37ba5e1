/**
 * Errors as the OpenAI API returns them: `{"error": {"message", "type", "param", "code"}}`, so
 * OpenAI clients raise their usual exceptions (`BadRequestError` with `.param`, …).
 */

export type ErrorType = 'invalid_request_error' | 'rate_limit_error' | 'timeout_error' | 'server_error' | 'not_found_error';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** 499: the client closed the connection (nobody reads that answer; it is counted in metrics). */
    readonly status: 400 | 401 | 404 | 413 | 429 | 499 | 500 | 503 | 504,
    message: string,
    readonly type: ErrorType = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Seconds a client should wait before retrying (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 naming the request field. */
export const invalidField = (param: string, message: string, code = 'invalid_value'): ApiError => new ApiError(400, message, 'invalid_request_error', param, code);

/** A value for messages: JSON, cut to a readable length. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The message of anything thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
