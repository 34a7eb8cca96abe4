import type { Clock, Logger } from "@presence-hub/core";
import { CstaLink, type LinkCounters, type LinkTraceEntry } from "../csta/csta-link.js";
import { cstaNamespace } from "../csta/csta-namespaces.js";
import { serverAddress, type TapiSettings } from "../tapi-settings.js";
import type { CtiLink, CtiLinkDelegate } from "./cti-link.js";

/** What every link adapter gets besides its settings. */
export interface LinkEnvironment {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly trace: (entry: LinkTraceEntry) => void;
}

/** A link and its counters (adapters without counters return an empty object). */
export interface CreatedLink {
  readonly link: CtiLink;
  readonly counters: Readonly<LinkCounters> | Readonly<Record<string, number>>;
}

/**
 * Builds the link for the configured protocol. This is where another CTI protocol plugs in: add
 * its name to the `protocol` setting and build its adapter here (see the README's developer guide).
 */
export function createLink(settings: TapiSettings, env: LinkEnvironment, delegate: CtiLinkDelegate): CreatedLink {
  switch (settings.protocol) {
    case "csta-xml": {
      const { host, port } = serverAddress(settings);
      const namespace = cstaNamespace(settings.edition);
      const link = new CstaLink(
        {
          host,
          port,
          framing: settings.framing,
          namespace,
          login: settings.user
            ? {
                applicationId: settings.applicationId,
                user: settings.user,
                password: settings.password ?? "",
                loginFormat: settings.loginFormat,
                protocolVersion: settings.protocolVersion ?? namespace,
                durationSeconds: settings.sessionSeconds,
              }
            : undefined,
          requestTimeoutMs: settings.monitorTimeoutMs,
          keepAliveMs: Math.round(settings.keepAliveSeconds * 1000),
          clock: env.clock,
          logger: env.logger,
          trace: env.trace,
        },
        delegate,
      );
      return { link, counters: link.counters };
    }
  }
}
