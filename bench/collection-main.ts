// SPDX-License-Identifier: Apache-2.0
// Entry for the collection benchmark in a process of its own: RSS is then the collector's, not that
// of the decide benchmark's 1,000 compiled policies that ran before it in `npm run bench`.
import { benchCollection } from './collection.js';

await benchCollection();
