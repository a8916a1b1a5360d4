// SPDX-License-Identifier: Apache-2.0
// The editor-facing JSON Schema, generated from the same zod schema that validates policies.
import { z } from 'zod';
import { policySchema } from './schema.js';

export const policySchemaId = 'https://pdscaler.io/schemas/pdscaler-policy.schema.json';

export function policyJsonSchema(): string {
  const schema = z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: policySchemaId, title: 'pdscaler ScalingPolicy' }, null, 2)}\n`;
}
