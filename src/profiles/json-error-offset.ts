// SPDX-License-Identifier: Apache-2.0
// Where JSON.parse failed, for a FILE:LINE:COL message: V8 names the offset for some syntax errors and
// not for others ("Unexpected token ']', ... is not valid JSON"), so the text is scanned again by the
// grammar of RFC 8259 §2–§7 until the first character that cannot continue it.

const whitespace = new Set([' ', '\t', '\n', '\r']);
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// RFC 8259 §7: a string holds any character but `"`, `\` and the controls U+0000–U+001F unescaped.
// eslint-disable-next-line no-control-regex
const stringPattern = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Scanner {
  at = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  skip(): void {
    while (whitespace.has(this.text[this.at] ?? '')) this.at++;
  }

  /** Consumes `pattern` at the cursor; false (cursor unmoved) when it does not match there. */
  token(pattern: RegExp): boolean {
    pattern.lastIndex = this.at;
    const match = pattern.exec(this.text);
    if (match === null) return false;
    this.at += match[0].length;
    return true;
  }

  char(c: string): boolean {
    if (this.text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  /** Members or elements between `open` and `close`; `item` reads one. */
  list(close: string, item: () => boolean): boolean {
    this.skip();
    if (this.char(close)) return true;
    for (;;) {
      if (!item()) return false;
      this.skip();
      if (this.char(close)) return true;
      if (!this.char(',')) return false;
    }
  }

  value(): boolean {
    this.skip();
    const c = this.text[this.at];
    let ok: boolean;
    if (c === '{') {
      this.at++;
      ok = this.list('}', () => {
        this.skip();
        if (!this.token(stringPattern)) return false;
        this.skip();
        return this.char(':') && this.value();
      });
    } else if (c === '[') {
      this.at++;
      ok = this.list(']', () => this.value());
    } else ok = this.token(stringPattern) || this.token(numberPattern) || this.token(/true|false|null/y);
    this.skip();
    return ok;
  }
}

/** The offset of the first character at which `text` stops being JSON (its length if it ends early). */
export function jsonErrorOffset(text: string): number {
  const scanner = new Scanner(text);
  scanner.value();
  return scanner.at;
}
