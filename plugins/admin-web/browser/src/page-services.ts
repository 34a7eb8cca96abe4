import { api, messageOf } from "./api.js";
import { formatTime, h, replace, statusLine } from "./dom.js";
import { SERVICE_STATE_LABEL } from "./labels.js";
import { reloadButton, section, startPage, type PageContext } from "./shell.js";
import type { ClusterNodeView, ServiceView } from "./types.js";

const KIND_LABEL: Readonly<Record<string, string>> = { hub: "Presence hub", connector: "Connector", plugin: "Plugin part" };

/** What stopping a service means, in the reference's words. */
function describe(s: ServiceView): string {
  if (s.kind === "hub") return "Collects and aggregates all presence and starts the connectors. Stopped: no presence at all.";
  if (s.kind === "connector") return `Gets presence from ${s.id.slice("connector:".length)}. Stopped: its users show Error until it runs again.`;
  return "A long-running part of a plugin.";
}

/** Manage Services: the hub and each connector (and plugin part) with state, last error, start/stop/restart. */
async function render(ctx: PageContext): Promise<void> {
  const box = h("div");
  const status = statusLine();
  const busy = new Set<string>();

  async function act(s: ServiceView, action: "start" | "stop" | "restart"): Promise<void> {
    if (s.kind === "hub" && action !== "start" && !confirm(`${action === "stop" ? "Stop" : "Restart"} the presence hub? Every connector stops with it${action === "restart" ? " and starts again" : ""}.`)) return;
    busy.add(s.id);
    await draw();
    status.ok(`${action === "stop" ? "Stopping" : action === "start" ? "Starting" : "Restarting"} ${s.id}…`);
    try {
      const after = await api<ServiceView>("POST", `/api/v1/services/${encodeURIComponent(s.id)}/${action}`);
      if (after.state === "failed") status.error(`${s.id} failed: ${after.lastError ?? "no reason given"}`);
      else status.ok(`${s.id} is ${SERVICE_STATE_LABEL[after.state]?.toLowerCase() ?? after.state}.`);
    } catch (e) {
      status.error(messageOf(e));
    } finally {
      busy.delete(s.id);
      await draw();
      box.querySelector<HTMLElement>(`tr[data-service="${CSS.escape(s.id)}"] button:not([disabled])`)?.focus();
    }
  }

  async function draw(): Promise<void> {
    const { services } = await api<{ services: ServiceView[] }>("GET", "/api/v1/services");
    const order = { hub: 0, connector: 1, plugin: 2 } as const;
    services.sort((a, b) => order[a.kind] - order[b.kind] || a.id.localeCompare(b.id));
    replace(
      box,
      h(
        "table",
        { class: "data", id: "services-table" },
        h("caption", { class: "visually-hidden" }, "Services"),
        h("thead", {}, h("tr", {}, ["Service", "Kind", "State", "Since", "Last error", ctx.isAdmin ? "Actions" : null].filter(Boolean).map((t) => h("th", { scope: "col" }, t!)))),
        h(
          "tbody",
          {},
          services.map((s) => {
            const running = s.state === "running";
            const stopped = s.state === "stopped" || s.state === "failed";
            const working = busy.has(s.id) || s.state === "starting" || s.state === "stopping";
            return h(
              "tr",
              { "data-service": s.id },
              h("th", { scope: "row" }, h("span", {}, s.id), h("p", { class: "small muted" }, describe(s))),
              h("td", {}, KIND_LABEL[s.kind] ?? s.kind),
              h("td", {}, h("span", { class: `badge ${running ? "good" : s.state === "failed" ? "bad" : "neutral"}`, "data-state": s.state }, SERVICE_STATE_LABEL[s.state] ?? s.state)),
              h("td", {}, formatTime(s.since)),
              h("td", { class: "last-error" }, s.lastError ?? "—"),
              ctx.isAdmin
                ? h(
                    "td",
                    { class: "actions" },
                    h("button", { type: "button", "data-action": "start", disabled: working || running, "aria-label": `Start ${s.id}`, onclick: () => void act(s, "start") }, "Start"),
                    h("button", { type: "button", class: "secondary", "data-action": "stop", disabled: working || stopped, "aria-label": `Stop ${s.id}`, onclick: () => void act(s, "stop") }, "Stop"),
                    h("button", { type: "button", class: "secondary", "data-action": "restart", disabled: working, "aria-label": `Restart ${s.id}`, onclick: () => void act(s, "restart") }, "Restart"),
                  )
                : null,
            );
          }),
        ),
      ),
    );
  }

  /** Cluster mode: every node with its lease and the subscriptions it holds; a single hub says so. */
  const nodesBox = h("div", { id: "cluster-nodes" });
  async function drawNodes(): Promise<void> {
    const cluster = await api<{ enabled: boolean; nodes: ClusterNodeView[] }>("GET", "/api/v1/cluster");
    if (!cluster.enabled) {
      replace(nodesBox, h("p", { class: "muted" }, "A single hub (cluster mode is off)."));
      return;
    }
    const nodes = cluster.nodes;
    replace(
      nodesBox,
      h(
        "table",
        { class: "data", id: "cluster-table" },
        h("caption", { class: "visually-hidden" }, "Cluster nodes"),
        h("thead", {}, h("tr", {}, ["Node", "Address", "Health", "Lease age", "Subscriptions held"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          nodes.map((n) =>
            h(
              "tr",
              { "data-node": n.nodeId },
              h("th", { scope: "row" }, n.nodeId, n.self ? h("span", { class: "small muted" }, " (this node)") : null),
              h("td", {}, n.address),
              h("td", {}, h("span", { class: `badge ${n.alive ? "good" : "bad"}`, "data-alive": String(n.alive) }, n.alive ? "Alive" : "Lease expired")),
              h("td", {}, `${(n.heartbeatAgeMs / 1000).toFixed(1)} s`),
              h("td", { class: "watches" }, String(n.watches)),
            ),
          ),
        ),
      ),
    );
  }

  replace(
    ctx.app,
    section(
      "Services",
      { id: "services", tools: [reloadButton(draw)], intro: "Configuration changes are applied by the services at once; stop and start a service to clear a specific problem (e.g. a connector showing Error for every user)." },
      status.el,
      box,
    ),
    section("Cluster nodes", { id: "cluster", tools: [reloadButton(drawNodes)], intro: "Hub nodes sharing this store, the lease each renews, and the outbound subscriptions each one holds." }, nodesBox),
  );
  await Promise.all([draw(), drawNodes()]);
  ctx.live.on((change) => {
    if (change.kind === "services" || change.kind === "connectors") void draw();
  });
}

void startPage(render);
