// SPDX-License-Identifier: Apache-2.0
// A one-line progress bar for long CLI work: drawn on stderr when it is a terminal, silent otherwise
// (CI logs and pipes get no carriage-return noise). Redraws at most once per whole percent.

export interface Progress {
  update(fraction: number, label: string): void;
  done(): void;
}

const width = 30;

export function progressBar(write: (text: string) => void, isTty: boolean): Progress {
  if (!isTty) return { update: () => undefined, done: () => undefined };
  let lastPercent = -1;
  let lastLabel = '';
  return {
    update(fraction, label) {
      const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      if (percent === lastPercent && label === lastLabel) return;
      lastPercent = percent;
      lastLabel = label;
      const filled = Math.round((percent / 100) * width);
      write(
        `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(percent).padStart(3)}% ${label}\x1b[K`,
      );
    },
    done() {
      if (lastPercent >= 0) write('\r\x1b[K');
    },
  };
}
