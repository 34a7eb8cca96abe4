import { StringEnum, Type, type Hub, type RichState, type Static, type TelephonyState, type User } from "@presence-hub/core";

/** Who looks: plugin annotations (e.g. notes visible to admins only) depend on it. */
export interface Viewer {
  readonly role: "admin" | "operator";
}

const Provenance = {
  source: Type.String({ description: "Connector id, or `hub` for service statuses." }),
  rule: Type.String({ description: "The rule that chose the source." }),
  since: Type.Integer({ description: "Epoch ms since when the status holds." }),
};

/** A user as the API and the stream show it (DESIGN §4). */
export const UserRepresentation = Type.Object(
  {
    username: Type.String(),
    displayName: Type.String(),
    firstExtension: Type.Union([Type.String(), Type.Null()]),
    sipUri: Type.Union([Type.String(), Type.Null()]),
    telephony: Type.Object({
      status: Type.String(),
      ...Provenance,
      derivation: Type.Union([Type.String(), Type.Null()]),
      detail: Type.Record(Type.String(), Type.Unknown()),
    }),
    rich: Type.Object({
      status: Type.String(),
      message: Type.Union([Type.String(), Type.Null()]),
      ...Provenance,
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
    note: Type.Unknown({ description: "The operators' shared note (notes plugin), or null." }),
  },
  { additionalProperties: true },
);
export type UserRepresentation = Static<typeof UserRepresentation>;

/** Builds the representation of a user, or null when the user does not exist. */
export function representUser(hub: Hub, user: User, viewer: Viewer): UserRepresentation {
  const presence = hub.presence(user.username)!;
  const t = presence.telephony as TelephonyState;
  const r = presence.rich as RichState;
  return {
    username: user.username,
    displayName: user.displayName,
    firstExtension: user.firstExtension,
    sipUri: user.sipUri,
    telephony: { status: t.status, source: t.provenance.source, rule: t.provenance.rule, derivation: t.provenance.derivation ?? null, since: t.since, detail: { ...t.detail } },
    rich: { status: r.status, message: r.message, source: r.provenance.source, rule: r.provenance.rule, since: r.since, reason: r.reason ?? null },
    note: null,
    ...hub.annotationsFor(user.username, viewer),
  };
}

/**
 * Status groups accepted by the filters besides exact statuses. Named so they never clash with a
 * status (`error` is a status; its group is `errors`).
 */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  errors: ["access-denied", "error", "not-found"],
  service: ["not-requested", "requesting", "server-not-configured", "user-not-configured"],
  forwarded: ["forwarded-voicemail", "forwarded-number"],
};

/** Query of `GET /users`: a text search and status filters (comma lists; `errors`, `service`, `forwarded` groups). */
export const UserQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: "Substring of username, display name, first extension or SIP URI (case-insensitive)." })),
    telephony: Type.Optional(Type.String({ maxLength: 500, description: "Telephony statuses or groups (errors, service, forwarded), comma-separated." })),
    rich: Type.Optional(Type.String({ maxLength: 500, description: "Rich statuses or groups (errors, service), comma-separated." })),
    limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
    order: StringEnum(["username", "displayName"], { default: "displayName" }),
  },
  { additionalProperties: false },
);
export type UserQuery = Static<typeof UserQuery>;

/** Whether a user matches the text part of a query. */
export function matchesText(user: User, q: string | undefined): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return (
    user.username.toLowerCase().includes(needle) ||
    user.displayName.toLowerCase().includes(needle) ||
    (user.firstExtension ?? "").includes(needle) ||
    (user.sipUri ?? "").toLowerCase().includes(needle)
  );
}

/** A predicate for a comma list of statuses/groups; undefined accepts everything. */
export function statusFilter(list: string | undefined): ((status: string) => boolean) | undefined {
  if (!list) return undefined;
  const wanted = new Set(list.split(",").map((s) => s.trim()).filter(Boolean).flatMap((s) => GROUPS[s] ?? [s]));
  return (status) => wanted.has(status);
}
