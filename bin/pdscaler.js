#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Entry point for the `pdscaler` binary: runs the compiled CLI (built by `npm install` through `prepare`).
import '../dist/src/main.js';
