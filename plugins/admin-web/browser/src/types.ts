/** Shapes of the JSON API answers the pages read (see the hub's OpenAPI document). */

export interface ConnectorView {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly position: number;
  readonly health: { readonly status: string; readonly detail: string | null; readonly since: number };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly secretsSet: Readonly<Record<string, boolean>>;
  readonly watching: number;
  readonly advice: string;
}

export interface ConnectorTypeView {
  readonly type: string;
  readonly description: string;
  readonly plugin: string;
  readonly fields: readonly string[] | null;
  readonly sourceClass: string | null;
  readonly settingsSchema: import("./schema-form.js").JsonSchema;
  readonly secretSettings: readonly string[];
}

export interface SettingView {
  readonly key: string;
  readonly value: unknown;
  readonly description: string;
}

export interface ServiceView {
  readonly id: string;
  readonly kind: "hub" | "connector" | "plugin";
  readonly state: string;
  readonly lastError: string | null;
  readonly since: number;
}

/** A hub node of a cluster (`GET /api/v1/cluster`). */
export interface ClusterNodeView {
  readonly nodeId: string;
  readonly address: string;
  readonly heartbeatAgeMs: number;
  readonly alive: boolean;
  readonly watches: number;
  readonly self: boolean;
}

/** A user with presence (`GET /api/v1/users`). */
export interface UserView {
  readonly username: string;
  readonly displayName: string;
  readonly firstExtension: string | null;
  readonly sipUri: string | null;
  readonly telephony: { readonly status: string; readonly source: string; readonly rule: string; readonly derivation: string | null; readonly since: number; readonly detail: Readonly<Record<string, unknown>> };
  readonly rich: { readonly status: string; readonly message: string | null; readonly source: string; readonly rule: string; readonly since: number; readonly reason: string | null };
  /** From the notes plugin: a string, or an object with `text`; absent or null without one. */
  readonly note?: unknown;
}

/** A stored user record (`GET /api/v1/user-records`). */
export interface UserRecordView {
  readonly username: string;
  readonly displayName: string;
  readonly firstExtension: string | null;
  readonly sipUri: string | null;
  readonly voicemailNumber: string | null;
  readonly origin: string;
}

export interface ExplainedSourceView {
  readonly source: string;
  readonly type: string;
  readonly sourceClass: string;
  readonly rank: number;
  readonly rankedAboveNextBy?: string;
  readonly report: { readonly kind: string; readonly status?: string; readonly line?: string; readonly reason?: string; readonly message?: string } | null;
  readonly at: number | null;
  readonly usable: boolean;
  readonly chosen: boolean;
}

export interface ExplanationView {
  readonly username: string;
  readonly telephony: { readonly summary: string; readonly rule: string; readonly derivation: string | null; readonly sources: readonly ExplainedSourceView[] };
  readonly rich: { readonly summary: string; readonly rule: string; readonly derivation: string | null; readonly sources: readonly ExplainedSourceView[] };
}

export interface TraceEntryView {
  readonly at: number;
  readonly direction: "in" | "out";
  readonly remote: string;
  readonly text: string;
}

/** The note's text, whatever shape the notes plugin gives it. */
export function noteText(note: unknown): string | null {
  if (typeof note === "string") return note || null;
  if (note && typeof note === "object" && typeof (note as { text?: unknown }).text === "string") return (note as { text: string }).text || null;
  return null;
}

/** The note on a user (`note`, notes plugin) as the API and the stream carry it. */
export interface NoteView {
  readonly text: string;
  readonly author: string;
  readonly visibleTo: "everyone" | "admins";
  readonly validUntil: number | null;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The note with its version and author, or null (none, or only a text from an older shape). */
export function noteOf(note: unknown): NoteView | null {
  if (!note || typeof note !== "object") return null;
  const n = note as Partial<NoteView>;
  return typeof n.text === "string" && typeof n.version === "number" ? (n as NoteView) : null;
}
