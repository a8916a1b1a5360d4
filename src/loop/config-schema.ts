// SPDX-License-Identifier: Apache-2.0
// The `pdscaler serve --config` file: which mode, which policies, where to listen, how to elect a
// leader and where to keep decision state. Loaded once, strictly (prometheus-adapter's load-once
// config, kubernetes-sigs/prometheus-adapter pkg/config/loader.go): an unknown key or a bad value stops the start with FILE:LINE:COL.
import { z } from 'zod';
import { durationPattern } from '../policy/schema.js';

const duration = (description: string): z.ZodOptional<z.ZodString> =>
  z.string().regex(durationPattern).describe(`${description} Duration such as 30s, 5m or 1h30m.`).optional();
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .max(63);
const port = z.int().min(0).max(65535);
const objectRef = z.strictObject({ namespace: dnsLabel, name: dnsLabel });

export const ServeModes = ['standalone', 'keda', 'direct'] as const;
export type ServeMode = (typeof ServeModes)[number];

const tlsFiles = z.strictObject({
  certFile: z.string().min(1).describe('PEM certificate chain.'),
  keyFile: z.string().min(1).describe('PEM private key.'),
});

export const serveConfigSchema = z
  .strictObject({
    apiVersion: z.literal('pdscaler.io/v1alpha1'),
    kind: z.literal('ServeConfig'),
    mode: z
      .enum(ServeModes)
      .describe(
        'standalone: serve the external metrics API and own its APIService; keda: serve only the KEDA external scaler; direct: write /scale.',
      ),
    advisory: z
      .boolean()
      .optional()
      .describe('Compute and publish decisions but write nothing (no /scale, no APIService). @default false'),
    policies: z
      .array(z.string().min(1))
      .min(1)
      .max(256)
      .describe('Policy files or folders, relative to this file.'),
    profilesDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Folder of your own capacity profiles (NAME.json): they add to the built-in ones and override those of the same name.',
      ),
    kubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe('kubeconfig file. @default in-cluster service account, else $KUBECONFIG / ~/.kube/config'),
    identity: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('This replica in the lease and in events. @default $POD_NAME, else the host name'),
    tickDeadline: duration(
      'Deadline of one tick; sources still out then are left unknown. @default 80% of the interval',
    ),
    externalMetrics: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe(
            'Serve the API (always in standalone; read-only observability in direct). @default mode == standalone',
          ),
        address: z.string().min(1).optional().describe('@default 0.0.0.0'),
        port: port.optional().describe('@default 6443'),
        tls: tlsFiles.optional().describe('@default a generated self-signed pair (local use only)'),
        authentication: z
          .enum(['delegated', 'none'])
          .optional()
          .describe(
            'delegated: front-proxy certs, TokenReview and SubjectAccessReview like an aggregated API server; none: local demo only. @default delegated',
          ),
        apiService: z
          .strictObject({
            service: objectRef.describe('The Service the APIService points at (this deployment).'),
            manage: z.boolean().optional().describe('Create or patch the APIService at start. @default true'),
            takeOver: z
              .boolean()
              .optional()
              .describe('Replace an APIService another server (KEDA) owns. @default false'),
          })
          .optional(),
      })
      .optional(),
    keda: z
      .strictObject({
        address: z.string().min(1).optional().describe('@default 0.0.0.0'),
        port: port.optional().describe('@default 9090'),
        tls: tlsFiles
          .extend({
            clientCaFile: z.string().min(1).optional().describe('Require client certs from this CA (mTLS).'),
          })
          .strict()
          .optional(),
        keepalive: duration('Server keepalive ping interval on streams. @default 30s'),
      })
      .optional(),
    statusPage: z
      .strictObject({
        address: z.string().min(1).optional().describe('@default 127.0.0.1'),
        port: port.optional().describe('@default 8080'),
      })
      .optional()
      .describe('Serve the live status page (plain HTTP, read-only: bind it to loopback or protect it).'),
    leaderElection: z
      .strictObject({
        enabled: z.boolean().optional().describe('@default true'),
        namespace: dnsLabel.optional().describe('@default the first policy namespace'),
        leaseName: dnsLabel.optional().describe('@default pdscaler'),
        leaseDuration: duration('@default 15s'),
        renewDeadline: duration('@default 10s'),
        retryPeriod: duration('@default 2s'),
      })
      .optional(),
    state: z
      .strictObject({
        configMap: objectRef.describe('ConfigMap holding the decision state of every policy.'),
      })
      .optional()
      .describe('Persist stabilization windows and scale times across restarts and failovers.'),
  })
  .describe('pdscaler serve configuration.');

export type ServeConfigDocument = z.infer<typeof serveConfigSchema>;
