// SPDX-License-Identifier: Apache-2.0
// JSON is the only representation served. client-go sends `application/vnd.kubernetes.protobuf, */*`
// and decodes a JSON answer by its content type, so the only refusal is an `Accept` that admits neither
// JSON nor `*/*` (docs/reference.md §B.3.1, §B.3.8).

/** True when `accept` admits `application/json` (absent or blank admits everything). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (quality !== undefined && Number(quality.slice(2)) === 0) return false;
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}
