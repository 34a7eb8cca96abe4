/** A field problem as the API reports it (`issues` of a 400). */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** An API call that did not succeed, with the server's message (and field issues for a 400). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly Issue[] = [],
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export interface Session {
  readonly username: string;
  readonly role: "admin" | "operator";
  readonly csrfToken: string;
}

let csrfToken = "";

/** Who is signed in (and the CSRF token every change must carry), or null without a session. */
export async function loadSession(): Promise<Session | null> {
  const res = await fetch("/api/v1/session", { headers: { accept: "application/json" }, credentials: "same-origin" });
  if (res.status === 401) return null;
  if (!res.ok) throw new ApiError(res.status, `session check failed (${res.status})`);
  const s = (await res.json()) as Session;
  csrfToken = s.csrfToken;
  return s;
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Sends the browser to the login page, coming back here afterwards. */
export function toLogin(): void {
  location.assign(`/admin/login?next=${encodeURIComponent(location.pathname)}`);
}

/**
 * Calls the JSON API with the session cookie; changes carry the CSRF header. A 401 means the
 * session ended: go to the login page. Other failures throw {@link ApiError}.
 */
export async function api<T>(method: string, path: string, body?: unknown, options: { contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["content-type"] = options.contentType ?? "application/json";
    payload = typeof body === "string" && options.contentType ? body : JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, "your session has ended; sign in again");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const d = (data ?? {}) as { message?: string; issues?: Issue[]; field?: string };
    throw new ApiError(res.status, d.message ?? `${method} ${path} failed (${res.status})`, d.issues ?? [], d.field ?? null);
  }
  return data as T;
}

/** A readable one-line message for any error. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 403) return `Not allowed: ${e.message}`;
    return e.issues.length ? e.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ") : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
