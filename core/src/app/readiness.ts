import type { ConnectorInfo } from "../hub/hub.js";
import type { ServiceState } from "../hub/service-registry.js";
import type { ConnectorStatus } from "../model/connector-status.js";
import { isPositiveConnectorStatus } from "../model/connector-status.js";

/** How long the store may take to answer the readiness query before the node counts as not ready. */
export const STORE_CHECK_TIMEOUT_MS = 2000;

/** The answer of `GET /api/v1/ready`. */
export interface Readiness {
  readonly ready: boolean;
  readonly hub: ServiceState | "stopped";
  readonly store: { readonly dialect: "sqlite" | "postgres"; readonly reachable: boolean; readonly latencyMs: number | null; readonly error: string | null };
  readonly migrations: { readonly current: boolean; readonly pending: readonly string[] };
  /** A summary, not a gate: a PBX being down must not take the hub out of a load balancer. */
  readonly connectors: { readonly total: number; readonly working: number; readonly byStatus: Partial<Record<ConnectorStatus, number>> };
}

/** What the readiness check looks at. */
export interface ReadinessSources {
  readonly dialect: "sqlite" | "postgres";
  ping(): Promise<void>;
  pendingMigrations(): Promise<string[]>;
  hubState(): ServiceState | "stopped";
  connectors(): readonly ConnectorInfo[];
}

/**
 * Ready means: the store answers (within {@link STORE_CHECK_TIMEOUT_MS}), every migration this
 * version knows is applied, and the hub service runs. Connectors are reported but do not gate:
 * they recover by themselves, and a node without its PBX still serves its last known state,
 * its API and its admin pages.
 */
export async function checkReadiness(src: ReadinessSources): Promise<Readiness> {
  const started = performance.now();
  let reachable = false;
  let error: string | null = null;
  let pending: string[] = [];
  try {
    await withTimeout(src.ping(), STORE_CHECK_TIMEOUT_MS);
    reachable = true;
    pending = await withTimeout(src.pendingMigrations(), STORE_CHECK_TIMEOUT_MS);
  } catch (e) {
    error = (e as Error).message;
  }
  const latencyMs = reachable ? Math.round((performance.now() - started) * 100) / 100 : null;
  const byStatus: Partial<Record<ConnectorStatus, number>> = {};
  let working = 0;
  const connectors = src.connectors();
  for (const c of connectors) {
    byStatus[c.health.status] = (byStatus[c.health.status] ?? 0) + 1;
    if (isPositiveConnectorStatus(c.health.status)) working++;
  }
  const hub = src.hubState();
  return {
    ready: reachable && error === null && pending.length === 0 && hub === "running",
    hub,
    store: { dialect: src.dialect, reachable, latencyMs, error },
    migrations: { current: reachable && error === null && pending.length === 0, pending },
    connectors: { total: connectors.length, working, byStatus },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
