// SPDX-License-Identifier: Apache-2.0
// The package ships no types; the benchmark only calls its default export.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
