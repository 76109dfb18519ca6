// One error type for everything the UI shows, with a message a person can act on.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(message: string, status = 0, code = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when the route does not exist on this server (older build, feature not merged). */
  get missingRoute(): boolean {
    return this.status === 404 && this.code === 'route';
  }
}

/** Turns a fetch() rejection (network down, aborted) into an ApiError. */
export function networkError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DOMException && err.name === 'AbortError') {
    return new ApiError('Stopped.', 0, 'aborted');
  }
  return new ApiError(
    'Cannot reach the Inferno server. Is `inferno serve` running? (' +
      (err instanceof Error ? err.message : String(err)) +
      ')',
    0,
    'network',
  );
}

/**
 * Reads a non-2xx response into an ApiError. The server answers errors in the OpenAI shape
 * {"error":{"message","type","code"}}; anything else (a proxy page, plain text) is quoted.
 */
export async function responseError(res: Response, what: string): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: the status alone has to do.
  }
  let message = '';
  let code = '';
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string | null } };
    message = body.error?.message ?? '';
    code = body.error?.code ?? '';
  } catch {
    message = text.slice(0, 200);
  }
  if (res.status === 404 && /no such (API )?route/i.test(message)) code = 'route';
  if (code === 'context_length_exceeded') {
    return new ApiError(
      `The conversation does not fit in the model's context (HTTP ${res.status}): ${message}. ` +
        'Raise Context size under Settings → Model, or start a new chat.',
      res.status,
      code,
    );
  }
  const prefix =
    code === 'model_load_failed'
      ? 'The model failed to load'
      : res.status === 401
      ? 'The server needs an API key (enter it under Settings → Server)'
      : res.status >= 500
        ? `${what} failed on the server`
        : `${what} was refused`;
  return new ApiError(
    `${prefix} (HTTP ${res.status})${message ? ': ' + message : ''}`,
    res.status,
    code,
  );
}
