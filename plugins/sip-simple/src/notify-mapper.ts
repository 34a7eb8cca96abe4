import type { RichReport, TelephonyFacts, TelephonyReport } from "@presence-hub/core";
import { dispatchBody, type DispatchedBody } from "./bodies/body-dispatch.js";
import { DialogInfoTracker } from "./bodies/dialog-info.js";
import { richFromPidf, telephonyFromPidf } from "./bodies/presence-mapping.js";
import { mergeAsFeatureFacts, withFeatureFacts, type AsFeatureFacts } from "./bodies/as-feature-event.js";

/**
 * The starting facts every mapper shares (frozen: they are only ever read and copied, by
 * withFeatureFacts and mergeAsFeatureFacts), instead of two fresh objects per telephony watch.
 */
const NO_FEATURES: AsFeatureFacts = Object.freeze({});
const LINE_AVAILABLE: TelephonyFacts = Object.freeze({ kind: "state", line: "available" });

/** What one NOTIFY body meant for the watched field. */
export type MappedNotify<R> =
  | { readonly kind: "report"; readonly report: R; readonly resync: boolean }
  | { readonly kind: "nothing" }
  | { readonly kind: "bad-body"; readonly reason: string };

/**
 * Turns NOTIFY bodies of one subscription into reports, keeping what must persist between
 * NOTIFYs: the dialog-info tracker (partial state, versions) and the last DND/forward facts of
 * `as-feature-event` bodies. One per subscription; `reset()` when the dialog is re-created.
 */
export class TelephonyNotifyMapper {
  private readonly dialogs = new DialogInfoTracker();
  private features: AsFeatureFacts = NO_FEATURES;
  private line: TelephonyFacts = LINE_AVAILABLE;

  reset(): void {
    this.dialogs.reset();
    this.features = NO_FEATURES;
  }

  map(contentType: string | undefined, body: Buffer): MappedNotify<TelephonyReport> {
    return this.mapBody(dispatchBody(contentType, body));
  }

  /** Maps an already dispatched body (a resource of a list NOTIFY). */
  mapBody(d: DispatchedBody): MappedNotify<TelephonyReport> {
    switch (d.kind) {
      case "empty":
        // Nothing published for the extension (Kamailio before any call): no calls known.
        this.line = LINE_AVAILABLE;
        return this.emit(false);
      case "dialog-info": {
        const u = this.dialogs.update(d.document);
        if (!u.applied) return u.resyncNeeded ? { kind: "report", report: withFeatureFacts(this.line, this.features), resync: true } : { kind: "nothing" };
        this.line = u.report;
        return this.emit(u.resyncNeeded);
      }
      case "pidf":
        this.line = telephonyFromPidf(d.document);
        return this.emit(false);
      case "as-feature-event":
        this.features = mergeAsFeatureFacts(this.features, d.facts);
        return this.emit(false);
      case "rlmi":
        return { kind: "bad-body", reason: "a resource list body on a single-user subscription" };
      case "error":
        return { kind: "bad-body", reason: `${d.reason}: ${d.detail}` };
    }
  }

  private emit(resync: boolean): MappedNotify<TelephonyReport> {
    return { kind: "report", report: withFeatureFacts(this.line, this.features), resync };
  }
}

/** Rich presence from a presence NOTIFY: PIDF/RPID, or nothing published (offline). */
export function mapRichBody(d: DispatchedBody): MappedNotify<RichReport> {
  switch (d.kind) {
    case "empty":
      // No presence document: no client of the user has published anything.
      return { kind: "report", report: { kind: "state", status: "offline" }, resync: false };
    case "pidf":
      return { kind: "report", report: richFromPidf(d.document), resync: false };
    case "error":
      return { kind: "bad-body", reason: `${d.reason}: ${d.detail}` };
    default:
      return { kind: "bad-body", reason: `a ${d.kind} body on a presence subscription` };
  }
}
