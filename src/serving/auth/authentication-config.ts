// SPDX-License-Identifier: Apache-2.0
// Reads the `kube-system/extension-apiserver-authentication` ConfigMap kube-apiserver publishes for
// aggregated API servers: the client CA and the front-proxy (request-header) settings
// (docs/reference.md §B.4.2, keys of apiserver's authentication_dynamic_request_header.go).
import type { AuthenticationConfig } from './delegate.js';

export const authenticationConfigMap = {
  namespace: 'kube-system',
  name: 'extension-apiserver-authentication',
} as const;

/** The fix for a missing ConfigMap read, worded as prometheus-adapter#688 users see it (§4.4). */
export const authenticationReaderFix =
  "Usually fixed by 'kubectl create rolebinding -n kube-system ROLEBINDING_NAME " +
  "--role=extension-apiserver-authentication-reader --serviceaccount=YOUR_NS:YOUR_SA'";

/** A key holding a JSON array of strings; absent or blank is empty. Throws with the key on bad JSON. */
function stringList(data: Readonly<Record<string, string>>, key: string): string[] {
  const text = data[key];
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${authenticationConfigMap.name}: ${key} is not a JSON array: ${JSON.stringify(text)}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string'))
    throw new Error(`${authenticationConfigMap.name}: ${key} must be a JSON array of strings`);
  return parsed;
}

function nonBlank(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** The configuration in the ConfigMap's `data`; throws when a key is malformed. */
export function parseAuthenticationConfig(data: Readonly<Record<string, string>>): AuthenticationConfig {
  const clientCaPem = nonBlank(data['client-ca-file']);
  const requestHeaderCaPem = nonBlank(data['requestheader-client-ca-file']);
  return {
    ...(clientCaPem === undefined ? {} : { clientCaPem }),
    ...(requestHeaderCaPem === undefined
      ? {}
      : {
          requestHeader: {
            clientCaPem: requestHeaderCaPem,
            allowedNames: stringList(data, 'requestheader-allowed-names'),
            usernameHeaders: stringList(data, 'requestheader-username-headers'),
            uidHeaders: stringList(data, 'requestheader-uid-headers'),
            groupHeaders: stringList(data, 'requestheader-group-headers'),
            extraHeaderPrefixes: stringList(data, 'requestheader-extra-headers-prefix'),
          },
        }),
  };
}
