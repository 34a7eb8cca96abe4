import { StringEnum, Type, type Static } from "@presence-hub/core";

/** Longest note, in characters: a note is a line or two for operators, not a document. */
export const MAX_NOTE_LENGTH = 2000;

/** A note as stored and shown. */
export interface Note {
  readonly username: string;
  readonly text: string;
  /** Who wrote the current text (account or token name). */
  readonly author: string;
  readonly visibleTo: "everyone" | "admins";
  /** Epoch ms after which the note disappears by itself, or null. */
  readonly validUntil: number | null;
  /** Increases with every change; send it back to detect concurrent edits. */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Body of `PUT /api/v1/users/{username}/note`. */
export const NoteInput = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: MAX_NOTE_LENGTH, description: "Plain text; shown as text, never as HTML." }),
    validUntil: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 10, maxLength: 40, description: "ISO 8601 date and time" }), Type.Null()], { description: "When the note disappears by itself (epoch ms or ISO 8601)." })),
    visibleTo: StringEnum(["everyone", "admins"], { default: "everyone" }),
    version: Type.Optional(Type.Integer({ minimum: 0, description: "The version you edited; a different current version gives 409." })),
  },
  { additionalProperties: false },
);
export type NoteInput = Static<typeof NoteInput>;

/** A note as the API shows it inside a user representation (`note`). */
export const NoteView = Type.Object({
  text: Type.String(),
  author: Type.String(),
  visibleTo: Type.String(),
  validUntil: Type.Union([Type.Integer(), Type.Null()]),
  version: Type.Integer(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export function noteView(n: Note): Static<typeof NoteView> {
  return { text: n.text, author: n.author, visibleTo: n.visibleTo, validUntil: n.validUntil, version: n.version, createdAt: n.createdAt, updatedAt: n.updatedAt };
}
