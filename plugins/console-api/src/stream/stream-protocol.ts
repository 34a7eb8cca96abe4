/**
 * The console stream's messages (`/api/v1/stream`).
 *
 * Client → server (JSON text frames):
 * - `{"watch": ["alice", "bob"]}`: these users;
 * - `{"watch": "all"}`: everyone, including users added later;
 * - `{"watch": {"q": "ali"}}`: users whose name, extension or URI contains the text.
 * Sending `watch` again replaces what is watched (a snapshot of the new set follows).
 *
 * Server → client, every message with a numeric `seq` (the hub's event number it reflects):
 * - `{"type":"snapshot","seq":S,"epoch":E,"users":[…]}`: the watched users now (after a watch, or a
 *   resume that is too old or from another epoch);
 * - `{"type":"replay","seq":S,"epoch":E,"since":N,"removed":[…],"users":[…]}`: on resume with
 *   `?since=N&epoch=E`, the watched users that changed after N, and those deleted meanwhile;
 * - `{"type":"delta","seq":S,"users":[…],"removed":[…]}`: users that changed (coalesced: one frame per window), users deleted;
 * - `{"type":"error","seq":S,"message":"…"}`: a client message was not understood (the connection stays).
 * Users are shaped exactly as `GET /api/v1/users/{username}`. `epoch` names the stream instance:
 * sequence numbers restart with the hub and differ between cluster nodes, so a console resumes
 * with both; without `epoch` the server trusts `since`.
 */
export type WatchRequest = readonly string[] | "all" | { readonly q: string };

/** Parses a client frame; returns an error message for anything else. */
export function parseClientMessage(text: string): { watch: WatchRequest } | { error: string } {
  if (text.length > 256 * 1024) return { error: "message too large" };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: "not JSON" };
  }
  const watch = (msg as { watch?: unknown } | null)?.watch;
  if (watch === "all") return { watch };
  if (Array.isArray(watch)) {
    if (watch.length > 100_000 || !watch.every((u) => typeof u === "string" && u.length <= 64)) return { error: "watch: a list of usernames" };
    return { watch };
  }
  if (watch && typeof watch === "object" && typeof (watch as { q?: unknown }).q === "string" && (watch as { q: string }).q.length <= 200) {
    return { watch: { q: (watch as { q: string }).q } };
  }
  return { error: 'send {"watch": ["user", …]}, {"watch": "all"} or {"watch": {"q": "text"}}' };
}
