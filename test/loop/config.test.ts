// SPDX-License-Identifier: Apache-2.0
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/loop/config.js';
import { formatIssue } from '../../src/policy/issue.js';

const repo = resolve(import.meta.dirname, '../..');
const chatPolicy = readFileSync(join(repo, 'policies/chat-h200.yaml'), 'utf8');

function write(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pdscaler-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function load(config: string, extra: Record<string, string> = {}) {
  const dir = write({ 'serve.yaml': config, 'chat.yaml': chatPolicy, ...extra });
  const result = loadServeConfig(join(dir, 'serve.yaml'));
  return { dir, result, messages: result.ok ? [] : result.issues.map(formatIssue) };
}

const header = 'apiVersion: pdscaler.io/v1alpha1\nkind: ServeConfig\n';

describe('loadServeConfig', () => {
  it('loads a direct-mode config with every default applied', () => {
    const { result } = load(`${header}mode: direct\npolicies: [chat.yaml]\n`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const config = result.config;
    expect(config.mode).toBe('direct');
    expect(config.advisory).toBe(false);
    expect(config.policies).toHaveLength(1);
    expect(config.policies[0]?.metrics.intervalS).toBe(15);
    expect(config.externalMetrics).toBeUndefined();
    expect(config.keda).toBeUndefined();
    expect(config.leaderElection).toEqual({
      namespace: config.policies[0]?.spec.namespace,
      leaseName: 'pdscaler',
      leaseDurationS: 15,
      renewDeadlineS: 10,
      retryPeriodS: 2,
    });
  });

  it('serves the external metrics API in standalone mode with delegated auth by default', () => {
    const { result } = load(`${header}mode: standalone\npolicies: [chat.yaml]\n`);
    expect(result.ok && result.config.externalMetrics).toMatchObject({
      port: 6443,
      authentication: 'delegated',
    });
  });

  it('serves only the KEDA scaler in keda mode', () => {
    const { result } = load(
      `${header}mode: keda\npolicies: [chat.yaml]\nkeda:\n  port: 9191\n  keepalive: 20s\n`,
    );
    expect(result.ok && result.config.keda).toMatchObject({ port: 9191, keepaliveMs: 20_000 });
    expect(result.ok && result.config.externalMetrics).toBeUndefined();
  });

  it('loads every policy in a folder', () => {
    const dir = write({ 'serve.yaml': `${header}mode: direct\npolicies: [policies]\n` });
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(join(policies, 'a.yaml'), chatPolicy);
    writeFileSync(
      join(policies, 'b.yaml'),
      chatPolicy.replace(/name: llama-8b-chat/, 'name: chat-b').replace(/rbg: \S+/, 'rbg: other'),
    );
    const result = loadServeConfig(join(dir, 'serve.yaml'));
    expect(result.ok && result.config.policies.map((p) => p.spec.name)).toEqual(['llama-8b-chat', 'chat-b']);
  });

  it.each([
    [
      `${header}mode: direct\npolicies: [chat.yaml]\nadvisery: true\n`,
      /serve\.yaml:5:1: advisery: unknown key/,
    ],
    [
      `${header}mode: hpa\npolicies: [chat.yaml]\n`,
      /serve\.yaml:3:7: mode = "hpa", must be one of standalone, keda, direct/,
    ],
    [
      `${header}mode: keda\npolicies: [chat.yaml]\nexternalMetrics:\n  enabled: true\n`,
      /serve\.yaml:6:12: externalMetrics.enabled = true in keda mode: KEDA owns v1beta1.external.metrics.k8s.io/,
    ],
    [
      `${header}mode: standalone\npolicies: [chat.yaml]\nexternalMetrics:\n  enabled: false\n`,
      /serve\.yaml:6:12: externalMetrics.enabled = false in standalone mode/,
    ],
    [`${header}mode: direct\npolicies: [missing.yaml]\n`, /missing\.yaml:1:1: cannot read policy/],
    [
      `${header}mode: direct\npolicies: [chat.yaml, chat.yaml]\n`,
      /appears in both .*one writer per RoleBasedGroup/,
    ],
    [`${header}mode: direct\npolicies: []\n`, /policies must have at least 1 items/],
  ])('rejects a bad config with FILE:LINE:COL (%#)', (config, expected) => {
    const { messages } = load(config);
    expect(messages.join('\n')).toMatch(expected);
  });

  it('reports a bad policy at its own file, line and column', () => {
    const { messages } = load(`${header}mode: direct\npolicies: [bad.yaml]\n`, {
      'bad.yaml': chatPolicy.replace(/ttftMs: \d+/, 'ttftMs: -5'),
    });
    expect(messages.join('\n')).toMatch(/bad\.yaml:\d+:\d+: spec\.slo\.ttftMs = -5, must be > 0/);
  });
});

describe('examples/serve', () => {
  it.each(['standalone', 'keda', 'direct'])('examples/serve/%s.yaml loads', (name) => {
    const result = loadServeConfig(join(repo, 'examples/serve', `${name}.yaml`));
    expect(result.ok ? result.config.mode : result.issues.map(formatIssue)).toBe(name);
  });
});

describe('statusPage', () => {
  it('serves the status page on loopback port 8080 unless the config says otherwise', () => {
    const { result } = load(`${header}mode: direct\npolicies: [chat.yaml]\nstatusPage: {}\n`);
    expect(result.ok && result.config.statusPage).toEqual({ address: '127.0.0.1', port: 8080 });
  });

  it('has no status page when the config does not ask for one', () => {
    const { result } = load(`${header}mode: direct\npolicies: [chat.yaml]\n`);
    expect(result.ok && result.config.statusPage).toBeUndefined();
  });
});
