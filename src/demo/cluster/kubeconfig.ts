// SPDX-License-Identifier: Apache-2.0
// A kubeconfig file for a fake apiserver, so child processes (`kubectl --kubeconfig`, pdscaler's own
// `--kubeconfig`) reach it exactly as they would reach a real cluster: URL, CA, bearer token, context.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigTarget {
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
}

/** The kubeconfig YAML for `target`, with context `fake` and default namespace `default`. */
export function kubeconfigYaml(target: KubeconfigTarget): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'fake',
        cluster: {
          server: target.url,
          'certificate-authority-data': Buffer.from(target.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: 'tester', user: { token: target.token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester', namespace: 'default' } }],
    'current-context': 'fake',
    preferences: {},
  });
}

/** Writes `<dir>/kubeconfig` (mode 0600, as kubectl expects for credentials) and returns its path. */
export async function writeKubeconfig(target: KubeconfigTarget, dir: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  await writeFile(path, kubeconfigYaml(target), { mode: 0o600 });
  return path;
}
