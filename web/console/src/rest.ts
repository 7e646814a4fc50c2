// The settings sections' REST calls: JSON in and out, with the session's CSRF header.

export type Answer = { ok: boolean; status: number; body: any };

/** Resolves to the status and the parsed body (null when there is none or it is not JSON, such as a proxy's
 *  error page); a network failure is status 0. Never throws. */
export async function call(csrf: string, method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const res = await fetch(path, {
      method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON: a proxy's page */ }
    return { ok: res.ok, status: res.status, body: parsed };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}
