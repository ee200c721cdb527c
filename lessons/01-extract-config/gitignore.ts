// Just enough of .gitignore's rules to answer "would git ignore this top-level file?" without
// a git repository (the workspace often is not one yet): blank lines and # comments are
// skipped, a leading / anchors to the folder (all our names are top-level anyway), `*` and
// `?` are globs, `**/` matches any folder, a trailing / matches folders only, and the last
// matching line wins, so `!.env.example` after `.env*` un-ignores it.
export function ignores(gitignore: string, name: string): boolean {
  return ignoringLine(gitignore, name) !== undefined;
}

/** The 1-based line of the rule that makes git ignore `name`, if one does. */
export function ignoringLine(gitignore: string, name: string): number | undefined {
  let ignored: number | undefined;
  for (const [i, raw] of gitignore.split('\n').entries()) {
    const line = raw.replace(/\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\//, '').replace(/^\*\*\//, '');
    if (pattern.endsWith('/')) continue; // folders only; we ask about files
    if (globToRegExp(pattern).test(name)) ignored = negated ? undefined : i + 1;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}
