// SPDX-License-Identifier: Apache-2.0
// `npm run gen:schema`: regenerate policies/pdscaler-policy.schema.json (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { policyJsonSchema } from '../policy/json-schema.js';

writeFileSync(new URL('../../policies/pdscaler-policy.schema.json', import.meta.url), policyJsonSchema());
