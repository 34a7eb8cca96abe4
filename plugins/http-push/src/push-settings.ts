import { StringEnum, Type, type Static } from "@presence-hub/core";

/** Settings of one `http-push` connector. */
export const PushSettings = Type.Object(
  {
    /** Where to listen for pushes, `host:port` (e.g. `127.0.0.1:8090`; port 0 picks a free one). */
    listen: Type.Optional(Type.String({ pattern: "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):\\d{1,5}$", "x-hint": "host:port, e.g. 127.0.0.1:8090" })),
    /** Shared secret the pushing system sends as `Authorization: Bearer <token>`. */
    token: Type.Optional(Type.String({ minLength: 16, maxLength: 200, "x-hint": "a token of at least 16 characters" })),
    /** How the hub ranks this source: `cti` if it carries PBX line state, `other` by default. */
    sourceClass: StringEnum(["cti", "presence-server", "other"], { default: "other" }),
    /** Which presence fields this source serves. */
    fields: Type.Array(StringEnum(["telephony", "rich"]), { default: ["telephony", "rich"], minItems: 1, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type PushSettings = Static<typeof PushSettings>;
