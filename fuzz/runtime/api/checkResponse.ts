// What every answer of the HTTP API must be: no 5xx; an error is `{ code, message }` with a listed
// code and that code's status; a batch's results are offsets or listed refusals.
import { errorCodes } from '../../../schemas/index.ts';
import { checkRefusal, Finding } from '../../harness.ts';

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function json(answer: Answer, route: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(answer.body);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // said below
  }
  throw new Finding('uncoded', `${route} answered ${answer.status} with a body that is not a JSON object: ${JSON.stringify(answer.body.slice(0, 200))}`);
}

/** Checks one answer; returns its JSON body (or null for a 2xx that is not JSON, e.g. metrics or a blob). */
export function checkAnswer(answer: Answer, route: string): Record<string, unknown> | null {
  if (answer.status >= 500) {
    const body = answer.contentType.includes('json') ? answer.body.slice(0, 300) : `(${answer.contentType || 'no content type'})`;
    throw new Finding('crash', `${route} answered ${answer.status}: ${body}`);
  }
  if (answer.status >= 400) {
    const body = json(answer, route);
    checkRefusal(body, route);
    const code = body.code as keyof typeof errorCodes;
    if (errorCodes[code].status !== answer.status)
      throw new Finding('uncoded', `${route} answered ${answer.status} with code ${code}, whose status is ${errorCodes[code].status}`);
    return body;
  }
  if (!answer.contentType.includes('application/json')) return null;
  const body = json(answer, route);
  if (Array.isArray(body.results)) {
    for (const result of body.results as Record<string, unknown>[]) {
      if (typeof result?.offset === 'number' && typeof result.hash === 'string') continue;
      checkRefusal(result ?? {}, `${route} (a result of the batch)`);
    }
  }
  return body;
}
