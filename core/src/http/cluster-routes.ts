import type { Server } from "@hapi/hapi";
import type { ClusterNode } from "../cluster/cluster-node.js";

/** `GET /api/v1/cluster`: every node with its lease, liveness and the watches it holds. */
export function registerClusterRoutes(server: Server, cluster: ClusterNode): void {
  server.route({
    method: "GET",
    path: "/api/v1/cluster",
    options: { description: "Cluster nodes: address, lease age, alive, watches held; `self` marks the answering node." },
    handler: async () => ({ node: cluster.nodeId, nodes: await cluster.nodes() }),
  });
}
