import { ApiException } from '@kubernetes/client-node';

/** Longest message we put where people read it (annotations, conditions, Events). */
const maxLength = 500;

interface StatusBody {
  reason?: string;
  message?: string;
}

function statusBody(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') return body as StatusBody;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : { message: body };
  } catch {
    return { message: body };
  }
}

/** Whitespace (newlines included) collapsed, cut to a length a person reads. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

/**
 * An error as one line a person can act on. A Kubernetes API error becomes its status code, reason and the API
 * server's own message; the client's text (request body, response headers, a multi-line dump) is left out.
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiException) {
    const status = statusBody(error.body);
    const reason = status?.reason ? ` ${status.reason}` : '';
    // Without a Status body, the client's own summary line (e.g. "Message: Unauthorized") is all there is.
    const fallback = /^Message: (.*)$/m.exec(error.message)?.[1] ?? 'no message in the response';
    return oneLine(`Kubernetes API error ${error.code}${reason}: ${status?.message || fallback}`);
  }
  return oneLine(error instanceof Error ? error.message : String(error));
}
