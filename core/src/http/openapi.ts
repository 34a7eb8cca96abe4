import type { Server, ServerRoute } from "@hapi/hapi";
import type { TSchema } from "@sinclair/typebox";

/** Per-route documentation a route may carry in `options.plugins.openapi`. */
export interface RouteDoc {
  readonly query?: TSchema;
  readonly body?: TSchema;
  readonly response?: TSchema;
}

/**
 * `GET /api/v1/openapi.json`: an OpenAPI 3.1 document generated from the live route table, so
 * it lists every `/api/v1` route the core and the plugins registered and cannot drift from them.
 * Query, body and response schemas come from the routes' own TypeBox schemas (the same objects
 * that validate requests). Built on first request, after every plugin has registered.
 */
export function registerOpenApi(server: Server, info: { title: string; version: string }): void {
  let document: object | null = null;
  server.route({
    method: "GET",
    path: "/api/v1/openapi.json",
    options: { auth: false, description: "This OpenAPI document." },
    handler: () => (document ??= buildOpenApi(server, info)),
  });
}

export function buildOpenApi(server: Server, info: { title: string; version: string }): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of server.table()) {
    if (!route.path.startsWith("/api/v1") || route.method === "*") continue;
    const settings = route.settings as ServerRoute["options"] & { plugins?: { openapi?: RouteDoc }; auth?: unknown; description?: string };
    const doc = settings.plugins?.openapi ?? {};
    const open = (route.settings.auth as unknown) === false;
    const parameters: object[] = [];
    for (const m of route.path.matchAll(/\{(\w+)\??\}/g)) parameters.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    const query = doc.query as { properties?: Record<string, object>; required?: string[] } | undefined;
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      parameters.push({ name, in: "query", required: query?.required?.includes(name) ?? false, schema: plain(schema) });
    }
    const responses: Record<string, object> = {
      "200": { description: "OK", ...(doc.response ? { content: { "application/json": { schema: plain(doc.response) } } } : {}) },
      "400": { description: "Invalid request: the message and `issues` name each bad field" },
    };
    if (!open) {
      responses["401"] = { description: "Not authenticated" };
      responses["403"] = { description: "Authenticated, but the role may not do this" };
    }
    if (route.path.includes("{")) responses["404"] = { description: "Not found" };
    const operation: Record<string, unknown> = {
      summary: settings.description ?? "",
      operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      parameters,
      responses,
      security: open ? [] : [{ bearer: [] }, { session: [] }],
    };
    if (doc.body) operation.requestBody = { required: true, content: { "application/json": { schema: plain(doc.body) } } };
    (paths[route.path.replace(/\?\}/g, "}")] ??= {})[route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (`presence-hub token create`); also accepted as `?token=`." },
        session: { type: "apiKey", in: "cookie", name: "ph_session", description: "Browser session (`POST /api/v1/session`); state changes need the X-CSRF-Token header." },
      },
    },
  };
}

/** A schema as plain JSON (TypeBox adds symbol keys, which JSON drops anyway). */
function plain(schema: object): object {
  return JSON.parse(JSON.stringify(schema)) as object;
}
