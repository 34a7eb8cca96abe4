import { api, messageOf } from "./api.js";
import { formatTime, h, replace } from "./dom.js";
import { presenceLabel, presenceTone } from "./labels.js";
import type { ExplanationView, UserView } from "./types.js";

/** A status badge: colour as a hint, the words always there. */
export function presenceBadge(status: string): HTMLElement {
  return h("span", { class: `badge ${presenceTone(status)}`, "data-status": status }, presenceLabel(status));
}

const RULE_WORDS: Readonly<Record<string, string>> = {
  "cti-over-sip": "CTI link beats presence servers",
  "preferred-server": "preferred server",
  "fallback-order": "fallback order",
  "configured-order": "configured connector order",
  "only-source": "only source with a state",
  fallback: "better-ranked sources had nothing usable",
  "top-source": "best-ranked source's answer",
  "user-not-configured": "user lacks the key",
  "no-demand": "nobody watches this user",
  "no-server": "no connector serves this",
  "awaiting-sources": "waiting for answers",
};

/** One line of provenance for the hover title: source, rule, since. */
function provenanceTitle(p: { source: string; rule: string; since: number }): string {
  return `From ${p.source === "hub" ? "the hub itself" : p.source} — rule: ${RULE_WORDS[p.rule] ?? p.rule} — since ${formatTime(p.since)}. Open for details.`;
}

/** What a source said, in words. */
function reportText(report: ExplanationView["rich"]["sources"][number]["report"]): string {
  if (!report) return "nothing";
  if (report.kind === "requesting") return "requesting";
  if (report.kind === "error") return `${presenceLabel(report.status ?? "error")}${report.reason ? ` (${report.reason})` : ""}`;
  if (report.kind === "state") return [report.status ?? report.line, report.message].filter(Boolean).join(": ") || "a state";
  return report.kind;
}

/**
 * A user's telephony or rich presence in the Diagnostics table: the status (and message or
 * forward target), provenance on hover, and — expanded — the hub's explanation: every source in
 * rank order with what it says, and the deciding rule (`GET …/presence/explain`).
 */
export function presenceCell(user: UserView, field: "telephony" | "rich", openNow: boolean): HTMLElement {
  const state = user[field];
  const extra =
    field === "rich"
      ? user.rich.message
      : typeof user.telephony.detail.forwardTo === "string"
        ? `→ ${user.telephony.detail.forwardTo}`
        : null;
  const body = h("div", { class: "prov-body" });
  const details = h(
    "details",
    { class: "prov", "data-field": field },
    h("summary", { title: provenanceTitle(state) }, presenceBadge(state.status), extra ? h("span", { class: "presence-extra" }, extra) : null),
    body,
  );
  const load = async () => {
    replace(body, h("p", { class: "muted" }, "Loading…"));
    try {
      const x = await api<ExplanationView>("GET", `/api/v1/users/${encodeURIComponent(user.username)}/presence/explain`);
      const f = x[field];
      replace(
        body,
        h("p", { class: "prov-summary" }, f.summary),
        h("p", { class: "small muted" }, `Since ${formatTime(state.since)}`),
        f.sources.length
          ? h(
              "ol",
              { class: "prov-sources" },
              f.sources.map((s) =>
                h("li", { class: s.chosen ? "chosen" : "" }, h("strong", {}, s.source), ` (${s.type}${s.sourceClass ? `, ${s.sourceClass}` : ""}): `, reportText(s.report), s.at ? ` at ${formatTime(s.at)}` : "", s.chosen ? h("span", { class: "badge good small" }, "shown") : null),
              ),
            )
          : h("p", { class: "small muted" }, "No connector serves this kind of presence."),
      );
    } catch (e) {
      replace(body, h("p", { class: "field-error" }, messageOf(e)));
    }
  };
  details.addEventListener("toggle", () => {
    if (details.open) void load();
  });
  if (openNow) details.open = true;
  return details;
}
