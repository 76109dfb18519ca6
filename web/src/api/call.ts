// One JSON call to the server's REST routes (store, bench): API key attached, a body sent as
// JSON, network failures and error responses turned into readable ApiErrors (`what` names
// the action in the message), 204 answered with undefined.

import { withAuth } from './auth';
import { networkError, responseError } from './errors';

export async function call<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(
      path,
      withAuth({
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await responseError(res, what);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
