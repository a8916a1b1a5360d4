// SPDX-License-Identifier: Apache-2.0
// The `pdscaler` binary as a user runs it (built by `npm test` before the suite).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/pdscaler.js');
const run = async (args: string[], cwd = root) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, PDSCALER_PROFILES_DIR: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const tmp = mkdtempSync(join(tmpdir(), 'pdscaler-cli-'));
const write = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const policy = 'policies/chat-h200.yaml';
const observation = 'examples/observation-chat-peak.json';

describe('pdscaler validate', () => {
  it('exits 0 and names each valid policy', async () => {
    const r = await run([
      'validate',
      'policies/chat-h200.yaml',
      'policies/coding-long-context.yaml',
      'policies/dev-scale-to-zero.yaml',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'policies/chat-h200.yaml: ok (policy serving/llama-8b-chat, RBG llama-8b-chat)',
      'policies/coding-long-context.yaml: ok (policy code/llama-8b-coding, RBG llama-8b-coding)',
      'policies/dev-scale-to-zero.yaml: ok (policy dev/qwen-dev, RBG qwen-dev)',
    ]);
  });

  it('exits 2 with FILE:LINE:COL on stderr for an invalid policy, and still checks the others', async () => {
    const bad = write(
      'bad.yaml',
      readFileSync(join(root, policy), 'utf8').replace('ttftMs: 500', 'ttftMs: -1'),
    );
    const r = await run(['validate', bad, policy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${bad}:24:13: spec.slo.ttftMs = -1, must be > 0\n1 of 2 policies invalid\n`);
    expect(r.stdout).toContain('policies/chat-h200.yaml: ok');
  });

  it('exits 2 for a file that does not exist', async () => {
    const r = await run(['validate', join(tmp, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml:1:1: cannot read policy: ENOENT/);
  });

  it('exits 2 on a usage error', async () => {
    const r = await run(['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'files'");
  });
});

describe('pdscaler plan', () => {
  it('explains which rule bound each number', async () => {
    const r = await run(['plan', '--policy', policy, '--observation', observation]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy serving/llama-8b-chat at 2026-11-25T14:00:00.000Z');
    expect(r.stdout).toMatch(/^prefill 2 -> \d+: /m);
    expect(r.stdout).toMatch(/^decode (4 -> \d+|stays at 4): /m);
    expect(r.stdout).toContain('rules applied:');
    // chat-h200 has a ratio band [0.25, 2]: 2 Ready prefill per 4 Ready decode is inside it.
    expect(r.stdout).toMatch(
      /^P\/D ratio: Ready ratio 0\.5 is inside the band \[0\.25, 2\] \(replicas\); desired ratio [\d.]+\.$/m,
    );
  });

  it('steps decisions through --state-out and --state', async () => {
    const state = join(tmp, 'state.json');
    const first = await run([
      'plan',
      '--policy',
      policy,
      '--observation',
      observation,
      '--json',
      '--state-out',
      state,
    ]);
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout) as {
      decision: { roles: { prefill: { desiredReplicas: number } } };
      state: unknown;
    };
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual(one.state);
    // Ten minutes later with no traffic: the state carries the first decision as the current count.
    const quiet = write(
      'quiet.json',
      JSON.stringify({
        observedAt: '2026-11-25T14:10:00Z',
        roles: {
          prefill: { requestRatePerS: 0, inputTokensMean: 3000, waitingRequests: 0 },
          decode: { activeConversations: 0, inputTokensMean: 3000, outputTokensMean: 150 },
        },
      }),
    );
    const second = await run([
      'plan',
      '--policy',
      policy,
      '--observation',
      quiet,
      '--state',
      state,
      '--json',
    ]);
    expect(second.code).toBe(0);
    const two = JSON.parse(second.stdout) as {
      decision: { roles: { prefill: { currentReplicas: number; boundBy: string } } };
    };
    expect(two.decision.roles.prefill.currentReplicas).toBe(one.decision.roles.prefill.desiredReplicas);
    expect(two.decision.roles.prefill.boundBy).toBe('scale-down-window');
  });

  it.each([
    {
      name: 'an observation with a wrong type',
      file: 'obs-type.json',
      text: '{"roles":{"prefill":{"requestRatePerS":"fast"},"decode":{}}}',
      want: 'roles.prefill.requestRatePerS',
    },
    {
      name: 'an observation that is not JSON',
      file: 'obs-garbage.json',
      text: 'not json',
      want: 'cannot read observation',
    },
    {
      name: 'an observation with an unknown field',
      file: 'obs-unknown.json',
      text: '{"roles":{"prefill":{"rps":1},"decode":{}}}',
      want: 'Unrecognized key: "rps"',
    },
  ])('exits 2 and changes nothing for $name', async ({ file, text, want }) => {
    const path = write(file, text);
    const stateOut = join(tmp, `${file}.state`);
    const r = await run(['plan', '--policy', policy, '--observation', path, '--state-out', stateOut]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(want);
    expect(() => readFileSync(stateOut)).toThrow();
  });

  it('exits 2 for a state file that is not a decider state', async () => {
    const path = write('state-bad.json', '{"roles":{"prefill":{"desiredReplicas":-3}}}');
    const r = await run(['plan', '--policy', policy, '--observation', observation, '--state', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('roles.prefill.desiredReplicas');
  });

  it('exits 2 for a --now that is not a time', async () => {
    const r = await run(['plan', '--policy', policy, '--observation', observation, '--now', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--now yesterday: not an RFC 3339 time\n');
  });

  it('exits 2 with FILE:LINE:COL when the policy is invalid', async () => {
    const bad = write('bad-plan.yaml', 'apiVersion: pdscaler.io/v1alpha1\nkind: Nope\n');
    const r = await run(['plan', '--policy', bad, '--observation', observation]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual([
      `${bad}:1:1: metadata is required (a mapping)`,
      `${bad}:1:1: spec is required (a mapping)`,
      `${bad}:2:7: kind = "Nope", must be "ScalingPolicy"`,
    ]);
  });
});

describe('npm scripts', () => {
  it('npx pdscaler runs the project binary', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'pdscaler', 'validate', policy], {
      cwd: root,
    });
    expect(stdout).toBe('policies/chat-h200.yaml: ok (policy serving/llama-8b-chat, RBG llama-8b-chat)\n');
  });
});
