import { StringEnum, Type, type Static, type Observation, type UserKey } from "@presence-hub/core";

const ErrorReport = Type.Object(
  { error: StringEnum(["access-denied", "error", "not-found"]), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const Cleared = Type.Object({ cleared: Type.Literal(true) }, { additionalProperties: false });
const Text = (max: number) => Type.String({ maxLength: max });

const TelephonyUpdate = Type.Union([
  Type.Object(
    {
      line: StringEnum(["available", "ringing", "busy", "offline"]),
      dnd: Type.Optional(Type.Boolean()),
      forwardTo: Type.Optional(Type.Union([Text(300), Type.Null()])),
      direction: Type.Optional(StringEnum(["inbound", "outbound"])),
      remoteParty: Type.Optional(Text(300)),
      note: Type.Optional(Text(500)),
    },
    { additionalProperties: false },
  ),
  ErrorReport,
  Cleared,
]);

const RichUpdate = Type.Union([
  Type.Object(
    {
      status: StringEnum(["available", "away", "busy", "dnd", "offline"]),
      message: Type.Optional(Text(500)),
    },
    { additionalProperties: false },
  ),
  ErrorReport,
  Cleared,
]);

/** One pushed update: a user key and what is known about one or both fields. */
export const PushUpdate = Type.Object(
  {
    extension: Type.Optional(Type.String({ pattern: "^\\+?[0-9*#]{1,32}$" })),
    sipUri: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    telephony: Type.Optional(TelephonyUpdate),
    rich: Type.Optional(RichUpdate),
    /** When the pushing system saw it (epoch ms); defaults to arrival time. */
    at: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type PushUpdate = Static<typeof PushUpdate>;

/** The request body: one update, or up to 1000 as `{ "updates": [...] }`. */
export const PushBody = Type.Union([
  Type.Object({ updates: Type.Array(PushUpdate, { maxItems: 1000 }) }, { additionalProperties: false }),
  PushUpdate,
]);
export type PushBody = Static<typeof PushBody>;

/**
 * Turns one update into observations; returns a problem instead when the update cannot be
 * mapped (no key for a field it reports).
 */
export function toObservations(source: string, u: PushUpdate, now: number): Observation[] | string {
  const at = u.at ?? now;
  const out: Observation[] = [];
  if (u.telephony) {
    const key: UserKey | null = u.extension ? { by: "extension", value: u.extension } : u.username ? { by: "username", value: u.username } : null;
    if (!key) return "a telephony update needs extension or username";
    const t = u.telephony;
    const report =
      "cleared" in t
        ? ({ kind: "cleared" } as const)
        : "error" in t
          ? ({ kind: "error", status: t.error, reason: t.reason ?? "reported by the pushing system" } as const)
          : {
              kind: "state" as const,
              line: t.line,
              dnd: t.dnd,
              forwardTo: t.forwardTo ?? undefined,
              detail: { direction: t.direction, remoteParty: t.remoteParty, note: t.note },
            };
    out.push({ source, field: "telephony", userKey: key, at, report });
  }
  if (u.rich) {
    const key: UserKey | null = u.sipUri ? { by: "sipUri", value: u.sipUri } : u.username ? { by: "username", value: u.username } : null;
    if (!key) return "a rich update needs sipUri or username";
    const r = u.rich;
    const report =
      "cleared" in r
        ? ({ kind: "cleared" } as const)
        : "error" in r
          ? ({ kind: "error", status: r.error, reason: r.reason ?? "reported by the pushing system" } as const)
          : ({ kind: "state", status: r.status as "available", message: r.message } as const);
    out.push({ source, field: "rich", userKey: key, at, report });
  }
  if (out.length === 0) return "an update needs telephony or rich";
  return out;
}
