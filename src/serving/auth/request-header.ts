// SPDX-License-Identifier: Apache-2.0
// The identity a trusted front proxy asserts in `X-Remote-*` headers, and stripping those headers when
// the peer is not trusted (docs/reference.md §B.4.2, apiserver requestheader.go).
import type { IncomingMessage } from 'node:http';
import type { RequestHeaderConfig, UserInfo } from './delegate.js';

/** Every header that may carry an asserted identity; stripped unless the front proxy is verified (§4.2 rule 3). */
const remoteHeaderPrefix = 'x-remote-';

/** All non-empty values of the named headers, in order; repeated headers stay separate values. */
function headerValues(req: IncomingMessage, names: readonly string[]): string[] {
  return names.flatMap((name) =>
    (req.headersDistinct[name.trim().toLowerCase()] ?? []).filter((v) => v !== ''),
  );
}

/** `X-Remote-Extra-<key>` keys arrive percent-encoded; the receiver lower-cases and path-unescapes them. */
function extraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.toLowerCase());
  } catch {
    // apiserver keeps the key as sent when it does not unescape.
    return encoded.toLowerCase();
  }
}

function extras(req: IncomingMessage, prefixes: readonly string[]): Record<string, string[]> {
  // A Map, then own properties: a key such as `__proto__` must stay a key.
  const result = new Map<string, string[]>();
  for (const prefix of prefixes.map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (!name.startsWith(prefix) || values === undefined) continue;
      const key = extraKey(name.slice(prefix.length));
      result.set(key, [...(result.get(key) ?? []), ...values]);
    }
  }
  return Object.fromEntries(result);
}

/** The asserted user, or undefined when no username header is set (the next authenticator then runs). */
export function userFromHeaders(req: IncomingMessage, config: RequestHeaderConfig): UserInfo | undefined {
  const username = headerValues(req, config.usernameHeaders)[0];
  if (username === undefined) return undefined;
  const uid = headerValues(req, config.uidHeaders)[0];
  return {
    username,
    ...(uid === undefined ? {} : { uid }),
    groups: headerValues(req, config.groupHeaders),
    extra: extras(req, config.extraHeaderPrefixes),
  };
}

/** Removes every identity header (the configured names and any `X-Remote-*`) from every view of the request. */
export function stripRemoteHeaders(req: IncomingMessage, config: RequestHeaderConfig | undefined): void {
  const named = new Set(
    [...(config?.usernameHeaders ?? []), ...(config?.uidHeaders ?? []), ...(config?.groupHeaders ?? [])].map(
      (n) => n.trim().toLowerCase(),
    ),
  );
  const prefixes = [
    remoteHeaderPrefix,
    ...(config?.extraHeaderPrefixes ?? []).map((p) => p.trim().toLowerCase()),
  ];
  const identity = (name: string): boolean =>
    named.has(name) || prefixes.some((prefix) => prefix !== '' && name.startsWith(prefix));
  const distinct = req.headersDistinct;
  for (const name of Object.keys(req.headers)) {
    if (!identity(name)) continue;
    Reflect.deleteProperty(req.headers, name);
    Reflect.deleteProperty(distinct, name);
  }
  for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2)
    if (identity((req.rawHeaders[i] ?? '').toLowerCase())) req.rawHeaders.splice(i, 2);
}
