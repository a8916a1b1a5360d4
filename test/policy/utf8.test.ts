// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../src/policy/parse.js';

describe('firstInvalidUtf8 finds the first byte that is not well-formed UTF-8 (RFC 3629)', () => {
  it.each([
    { name: 'plain ASCII is valid', bytes: [0x61, 0x3a, 0x20, 0x31], want: undefined },
    {
      name: 'two-, three- and four-byte sequences are valid',
      bytes: [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80],
      want: undefined,
    },
    { name: 'a real U+FFFD is valid', bytes: [0xef, 0xbf, 0xbd], want: undefined },
    { name: 'a lone continuation byte', bytes: [0x61, 0x80], want: 1 },
    { name: 'a Latin-1 byte', bytes: [0x61, 0x62, 0xe9, 0x63], want: 2 },
    { name: 'an overlong two-byte form', bytes: [0xc0, 0xaf], want: 0 },
    { name: 'an overlong three-byte form', bytes: [0xe0, 0x80, 0xaf], want: 0 },
    { name: 'a UTF-16 surrogate', bytes: [0x61, 0xed, 0xa0, 0x80], want: 1 },
    { name: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80], want: 0 },
    { name: 'a sequence cut off at the end', bytes: [0x61, 0xe2, 0x82], want: 1 },
    { name: 'a lead byte followed by ASCII', bytes: [0xe2, 0x41, 0x42], want: 0 },
  ])('$name', ({ bytes, want }) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(want);
  });
});
