// Static scans for lesson 01: what behaviour cannot show (a literal secret that is
// never used at start-up still leaks through git).
import { isLocalConfig } from '../../verify/core/workspace.ts';
import type { FilesProbe, Match } from '../../verify/probes/files.ts';
import { LEGACY_SECRETS, REQUIRED_VARS } from '../shared/teamnotes.ts';

/** A value a human wrote as a stand-in: empty, `<...>`, `${...}`, `***`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '');
  // <…> placeholders, ${VAR} (shell, compose) and $(VAR) (Kubernetes env expansion, lesson 09) name a value kept elsewhere.
  return v === '' || /^<.*>$/.test(v) || /^\$\{.*\}$/.test(v) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v) || /^\*+$/.test(v) || /^(USER|PASSWORD|PASS|SECRET)$/i.test(v);
}

const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|\bpass)\w*["']?\s*[:=]\s*(["'`])([^"'`\n]{4,})\2/i;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"`]+:([^\s@'"`]+)@/i;

/** Every place a secret sits in the tree (the learner's own .env excluded: it is meant to hold them). */
export function findSecrets(files: FilesProbe): Match[] {
  // Your own env files (.env, and from lesson 07 .env.cluster) hold real values by design
  // and git ignores them; their committed templates (*.example) must not.
  const candidates = files.list().filter((f) => !isLocalConfig(f));
  const known = files.search(new RegExp(LEGACY_SECRETS.map(escape).join('|')), candidates);
  const sources = files.sourceFiles();
  const keyed = files.search(SECRET_KEY, sources).filter((m) => !isPlaceholder(SECRET_KEY.exec(m.text)?.[3] ?? ''));
  const inUrls = files.search(URL_CREDENTIALS, candidates).filter((m) => !isPlaceholder(URL_CREDENTIALS.exec(m.text)?.[1] ?? ''));
  return dedupe([...known, ...keyed, ...inUrls]);
}

/** Where a required value (or any secret-named one) gets a literal default. */
export function findFallbacks(files: FilesProbe): Match[] {
  const names = `(?:${REQUIRED_VARS.join('|')}|\\w*(?:PASSWORD|SECRET|TOKEN))`;
  const patterns = [
    // process.env.DATABASE_URL || 'postgres://…'   /  env.SESSION_SECRET ?? "dev"
    new RegExp(`\\b${names}\\b['"\\]]*\\s*(\\|\\||\\?\\?)\\s*["'\`]`),
    // const { SESSION_SECRET = 'dev' } = process.env
    new RegExp(`[{,]\\s*${names}\\s*=\\s*["'\`]`),
    // zod: DATABASE_URL: z.string().default('…')   envalid: SESSION_SECRET: str({ default: '…' })
    new RegExp(`\\b${names}\\b.*(\\.default\\(|\\bdefault\\s*:|devDefault\\s*:)`),
  ];
  const sources = files.sourceFiles();
  return dedupe(patterns.flatMap((p) => files.search(p, sources)).filter((m) => !/^\s*(\/\/|\*|#)/.test(m.text)));
}

/** Required names that no source file mentions: the app cannot be reading them. */
export function unreadRequiredVars(files: FilesProbe): string[] {
  const sources = files.sourceFiles();
  return REQUIRED_VARS.filter((name) => files.search(new RegExp(`\\b${name}\\b`), sources).length === 0);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function dedupe(matches: Match[]): Match[] {
  const seen = new Set<string>();
  return matches.filter((m) => !seen.has(`${m.file}:${m.line}`) && seen.add(`${m.file}:${m.line}`));
}
