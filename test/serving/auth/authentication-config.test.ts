// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { parseAuthenticationConfig } from '../../../src/serving/auth/authentication-config.js';

describe('parseAuthenticationConfig', () => {
  it('reads the keys kube-apiserver publishes', () => {
    expect(
      parseAuthenticationConfig({
        'client-ca-file': 'CLIENT',
        'requestheader-client-ca-file': 'PROXY',
        'requestheader-allowed-names': '["front-proxy-client"]',
        'requestheader-username-headers': '["X-Remote-User"]',
        'requestheader-uid-headers': '["X-Remote-Uid"]',
        'requestheader-group-headers': '["X-Remote-Group"]',
        'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
      }),
    ).toEqual({
      clientCaPem: 'CLIENT',
      requestHeader: {
        clientCaPem: 'PROXY',
        allowedNames: ['front-proxy-client'],
        usernameHeaders: ['X-Remote-User'],
        uidHeaders: ['X-Remote-Uid'],
        groupHeaders: ['X-Remote-Group'],
        extraHeaderPrefixes: ['X-Remote-Extra-'],
      },
    });
  });

  it('treats absent and blank lists as empty, so any CN from the CA may proxy', () => {
    expect(
      parseAuthenticationConfig({
        'requestheader-client-ca-file': 'PROXY',
        'requestheader-allowed-names': '',
      }).requestHeader?.allowedNames,
    ).toEqual([]);
  });

  it('has no front proxy when the cluster publishes no requestheader CA', () => {
    expect(
      parseAuthenticationConfig({ 'client-ca-file': 'CLIENT', 'requestheader-allowed-names': '["x"]' }),
    ).toEqual({
      clientCaPem: 'CLIENT',
    });
  });

  it.each([
    ['[front', 'requestheader-allowed-names is not a JSON array'],
    ['{"a":1}', 'requestheader-allowed-names must be a JSON array of strings'],
    ['[1]', 'requestheader-allowed-names must be a JSON array of strings'],
  ])('refuses allowed names %j, naming the key', (value, message) => {
    expect(() =>
      parseAuthenticationConfig({
        'requestheader-client-ca-file': 'PROXY',
        'requestheader-allowed-names': value,
      }),
    ).toThrow(message);
  });
});
