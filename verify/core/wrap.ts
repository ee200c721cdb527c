// Wrapping for terminal text (reporter, help): greedy, on spaces only, so a word, a path or a
// command is never split; colour codes take no width. A word longer than the line stays whole.
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Each line of `text` wrapped at `width`; the first line starts with `first`, the others with `indent`. */
export function wrapText(text: string, width: number, indent: string, first = indent): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = lines.length ? indent : first;
    let empty = true;
    for (const word of paragraph.split(' ')) {
      if (!empty && visibleLength(line) + 1 + visibleLength(word) > width) {
        lines.push(line);
        line = indent + word;
      } else line += (empty ? '' : ' ') + word;
      empty = false;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The width to wrap at: the terminal's, at most 100; 80 when output is not a terminal. */
export function terminalWidth(): number {
  return Math.min(process.stdout.isTTY ? process.stdout.columns || 80 : 80, 100);
}
