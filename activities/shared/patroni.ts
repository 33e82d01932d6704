/**
 * Patroni's REST API on each engine pod (the HA manager's own interface: status, pause, switchover, restart, config).
 * Reached at the pod's IP; actions that change anything carry the cluster's API credentials from its Secret.
 */
import type { V1Pod } from '@kubernetes/client-node';

export const patroniApiPort = 8008;

/** What GET /patroni says of one member. */
export interface PatroniMember {
  state: string;
  role: 'master' | 'replica' | 'primary' | 'standby_leader' | 'uninitialized' | string;
  server_version?: number;
  postmaster_start_time?: string;
  timeline?: number;
  pause?: boolean;
  pending_restart?: boolean;
  xlog?: { location?: number; received_location?: number; replayed_location?: number; paused?: boolean };
  replication?: Array<{ application_name: string; state: string; sync_state: string }>;
}

/** What GET /cluster says: every member with its role and lag. */
export interface PatroniCluster {
  members: Array<{ name: string; role: string; state: string; host?: string; lag?: number | string; timeline?: number }>;
  pause?: boolean;
}

export interface PatroniCredentials {
  username: string;
  password: string;
}

const requestTimeoutMs = 10_000;

export class PatroniError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const memberUrl = (pod: V1Pod, path: string) => {
  const ip = pod.status?.podIP;
  if (!ip) throw new PatroniError(`pod ${pod.metadata?.name} has no IP yet`);
  return `http://${ip}:${patroniApiPort}${path}`;
};

async function call<T>(pod: V1Pod, method: string, path: string, credentials?: PatroniCredentials, body?: unknown, timeoutMs = requestTimeoutMs): Promise<T> {
  const url = memberUrl(pod, path);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const send = () => fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  let response: Response;
  try {
    response = await send().catch((error: unknown) => {
      // A kept-alive connection the member's server had closed meanwhile ("other side closed"): a read asks again.
      if (method === 'GET' && (error as Error).name !== 'TimeoutError') return send();
      throw error;
    });
  } catch (error) {
    throw new PatroniError(`${method} ${path} on ${pod.metadata?.name}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  // GET /patroni answers 503 with its status body when the member is not running: the body is still the answer.
  if (!response.ok && !(method === 'GET' && text.startsWith('{'))) {
    throw new PatroniError(`${method} ${path} on ${pod.metadata?.name}: ${response.status} ${text.trim()}`, response.status);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export const patroni = {
  member: (pod: V1Pod) => call<PatroniMember>(pod, 'GET', '/patroni'),
  cluster: (pod: V1Pod) => call<PatroniCluster>(pod, 'GET', '/cluster'),
  setPaused: (pod: V1Pod, credentials: PatroniCredentials, paused: boolean) => call(pod, 'PATCH', '/config', credentials, { pause: paused }),
  patchConfig: (pod: V1Pod, credentials: PatroniCredentials, patch: Record<string, unknown>) => call(pod, 'PATCH', '/config', credentials, patch),
  /** Asks the leader to hand over to `candidate` (pod names); Patroni answers once the switch is done or failed. */
  switchover: (leader: V1Pod, credentials: PatroniCredentials, leaderName: string, candidate: string) =>
    call<string>(leader, 'POST', '/switchover', credentials, { leader: leaderName, candidate }, 60_000),
  /** Asks the HA manager to make `candidate` lead when no member does (Patroni answers once it does, or gives up). */
  failover: (pod: V1Pod, credentials: PatroniCredentials, candidate: string) => call<string>(pod, 'POST', '/failover', credentials, { candidate }, 60_000),
  restart: (pod: V1Pod, credentials: PatroniCredentials, onlyIfPending = false) =>
    call<string>(pod, 'POST', '/restart', credentials, onlyIfPending ? { restart_pending: true } : {}, 60_000),
};

export const isLeaderRole = (role: string | undefined) => role === 'master' || role === 'primary';
