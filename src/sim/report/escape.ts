// SPDX-License-Identifier: Apache-2.0
// HTML escaping for every piece of text the report embeds: trace, policy and file names come from the
// user's disk and must never become markup. Also valid for SVG text and attribute values.

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe as HTML element content and as a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}
