import type { Server } from "@hapi/hapi";
import type { AdminEventFeed } from "./admin-event-feed.js";

/** `GET /api/v1/admin/events`: the admin pages' live feed (admins and operators). */
export function registerAdminEventRoutes(server: Server, feed: AdminEventFeed): void {
  server.route({
    method: "GET",
    path: "/api/v1/admin/events",
    options: {
      description:
        "Server-Sent Events for the admin pages: names of the users, connectors, services and settings that changed (coalesced). Observes without subscribing anyone.",
    },
    handler: (request, h) => {
      const stream = feed.open((leave) => {
        request.raw.req.once("close", leave);
      });
      return (
        h
          .response(stream)
          .type("text/event-stream")
          .header("cache-control", "no-store, no-transform")
          // A compressor would hold frames back until its buffer fills.
          .header("content-encoding", "identity")
          .header("x-accel-buffering", "no")
      );
    },
  });
}
