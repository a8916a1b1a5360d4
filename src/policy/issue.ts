// SPDX-License-Identifier: Apache-2.0
// A policy problem with its place in the file, printed as `FILE:LINE:COL: message`.

export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

export interface PolicyIssue extends SourcePosition {
  readonly file: string;
  readonly message: string;
}

export function formatIssue(issue: PolicyIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** Issues in file order, so the first one printed is the first one in the file. */
export function sortIssues(issues: readonly PolicyIssue[]): PolicyIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}
