// SPDX-License-Identifier: Apache-2.0
// `npm run gen:schema`: regenerate policies/pdscaler-policy.schema.json and the key table of
// docs/policy.md, both from src/policy/schema.ts (a test fails when either is stale).
import { readFileSync, writeFileSync } from 'node:fs';
import { policyKeyTable, withPolicyTable } from '../policy/docs-table.js';
import { policyJsonSchema } from '../policy/json-schema.js';

const root = new URL('../../', import.meta.url);
writeFileSync(new URL('policies/pdscaler-policy.schema.json', root), policyJsonSchema());
const policyDoc = new URL('docs/policy.md', root);
writeFileSync(policyDoc, withPolicyTable(readFileSync(policyDoc, 'utf8'), policyKeyTable()));
