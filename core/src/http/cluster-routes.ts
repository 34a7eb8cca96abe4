import type { Server } from "@hapi/hapi";
import type { ClusterNode } from "../cluster/cluster-node.js";

/**
 * `GET /api/v1/cluster`: every node with its lease, liveness and the watches it holds; a single
 * hub answers `{ enabled: false, nodes: [] }`.
 */
export function registerClusterRoutes(server: Server, cluster: ClusterNode | null): void {
  server.route({
    method: "GET",
    path: "/api/v1/cluster",
    options: { description: "Cluster nodes: address, lease age, alive, watches held; `self` marks the answering node." },
    handler: async () => (cluster ? { enabled: true, node: cluster.nodeId, nodes: await cluster.nodes() } : { enabled: false, node: null, nodes: [] }),
  });
}
