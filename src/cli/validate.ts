// SPDX-License-Identifier: Apache-2.0
// `pdscaler validate FILE...`: parse, validate and compile each policy; issues as FILE:LINE:COL.
import { formatIssue } from '../policy/issue.js';
import { loadPolicyFile, type LoadOptions } from '../policy/load.js';
import { ExitCode, type CliIo } from './io.js';

export function runValidate(files: readonly string[], options: LoadOptions, io: CliIo): ExitCode {
  let invalid = 0;
  for (const file of files) {
    const result = loadPolicyFile(file, options);
    if (result.ok) {
      io.stdout(
        `${file}: ok (policy ${result.spec.namespace}/${result.spec.name}, RBG ${result.spec.rbgName})\n`,
      );
      continue;
    }
    invalid++;
    for (const issue of result.issues) io.stderr(`${formatIssue(issue)}\n`);
  }
  if (invalid > 0) io.stderr(`${invalid} of ${files.length} policies invalid\n`);
  return invalid > 0 ? ExitCode.invalid : ExitCode.ok;
}
