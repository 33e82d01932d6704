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
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

/** client-node's message for an API error: `HTTP-Code: 404\nMessage: …\nBody: <JSON>\nHeaders: {…}`. */
const clientDump = /HTTP-Code: (\d+)\s+Message: ([^\n]*)\s+Body: (.*?)\s+Headers: \{.*?\}(?=\s*$|[\s"'),;])/s;

/** The body client-node printed (JSON of the body, itself a JSON text or an object) as the server's Status. */
function dumpedBody(text: string): StatusBody | undefined {
  try {
    return statusBody(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * A text that may carry client-node's API error dump (a step that put an API error's message into its own error, an
 * interrupt message built from one): the dump becomes the one-line form, the rest stays.
 */
export function readableText(text: string): string {
  let out = text;
  for (let match = clientDump.exec(out); match; match = clientDump.exec(out)) {
    const status = dumpedBody(match[3]!);
    const reason = status?.reason ? ` ${status.reason}` : '';
    out = out.replace(match[0], `Kubernetes API error ${match[1]}${reason}: ${status?.message || match[2]}`);
  }
  return oneLine(out);
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
  return readableText(error instanceof Error ? error.message : String(error));
}
