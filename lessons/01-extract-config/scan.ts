// Static scans for lesson 01: what behaviour cannot show (a literal secret that is
// never used at start-up still leaks through git).
import { formatMatch, isLocalConfig, type FilesProbe, type Match } from '../../verify/lesson-api.ts';
import { LEGACY_SECRETS, REQUIRED_VARS } from '../shared/teamnotes.ts';

/** A value a human wrote as a stand-in: empty, `<...>`, `${...}`, `***`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, '');
  // <…> placeholders, ${VAR} (shell, compose) and $(VAR) (Kubernetes env expansion, lesson 09) name a value kept elsewhere.
  return (
    v === '' ||
    /^<.*>$/.test(v) ||
    /^\$\{.*\}$/.test(v) ||
    /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(v) ||
    /^\*+$/.test(v) ||
    /^(USER|PASSWORD|PASS|SECRET)$/i.test(v)
  );
}

const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|\bpass)\w*["']?\s*[:=]\s*(["'`])([^"'`\n]{4,})\2/i;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"`]+:([^\s@'"`]+)@/i;

/** A line holding a secret, and the secret itself (so a message can mask it). */
export interface SecretMatch extends Match {
  secret: string;
  /** Every secret found on this line. */
  secrets?: string[];
}

/** Every place a secret sits in the tree (the learner's own .env excluded: it is meant to hold them). */
export function findSecrets(files: FilesProbe): SecretMatch[] {
  // Your own env files (.env, and from lesson 07 .env.cluster) hold real values by design
  // and git ignores them; their committed templates (*.example) must not.
  const candidates = files.list().filter((f) => !isLocalConfig(f));
  const legacy = new RegExp(LEGACY_SECRETS.map(escape).join('|'));
  const known = files.search(legacy, candidates).map((m) => ({ ...m, secret: legacy.exec(m.text)![0] }));
  const sources = files.sourceFiles();
  // A value that is a variable's name (`secret: 'SESSION_SECRET'` in a schema) names a secret, it is not one.
  const keyed = files
    .search(SECRET_KEY, sources)
    .map((m) => ({ ...m, secret: SECRET_KEY.exec(m.text)?.[3] ?? '' }))
    .filter((m) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(m.secret));
  const inUrls = files.search(URL_CREDENTIALS, candidates).map((m) => ({ ...m, secret: URL_CREDENTIALS.exec(m.text)?.[1] ?? '' }));
  const all = [...known, ...keyed.filter((m) => !isPlaceholder(m.secret)), ...inUrls.filter((m) => !isPlaceholder(m.secret))];
  // One line may hold two (a legacy password inside a URL): each reported line masks all of its own.
  return dedupe(all).map((m) => ({ ...m, secrets: all.filter((o) => o.file === m.file && o.line === m.line).map((o) => o.secret) }));
}

/**
 * `src/db.js:9  const DB_PASSWORD = 'Tn••••••••••• (13 chars)';`: where the secret is, never
 * the secret. These lines end up in CI logs and on a projector; the first two characters
 * are enough to recognise which one it is.
 */
export function maskedMatch(m: SecretMatch): string {
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(m.secrets ?? [m.secret])].filter(Boolean).sort((a, b) => b.length - a.length);
  const masked = secrets.reduce((text, secret) => text.split(secret).join(mask(secret)), m.text);
  return formatMatch({ ...m, text: masked.trim() });
}

export function mask(secret: string): string {
  const shown = secret.length > 6 ? secret.slice(0, 2) : '';
  return `${shown}${'•'.repeat(Math.max(4, secret.length - shown.length))} (${secret.length} chars)`;
}

/** Where a required value (or any secret-named one) gets a literal default. */
export function findFallbacks(files: FilesProbe): Match[] {
  const names = `(?:${REQUIRED_VARS.join('|')}|\\w*(?:PASSWORD|SECRET|TOKEN))`;
  const patterns = [
    // process.env.DATABASE_URL || 'postgres://…'   /  env.SESSION_SECRET ?? "dev"
    // (not `|| ''`: an empty fallback is how `(env.X || '').trim()` treats unset as empty, which is then reported missing)
    new RegExp(`\\b${names}\\b['"\\]]*\\s*(\\|\\||\\?\\?)\\s*(["'\`])(?!\\2)`),
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

function dedupe<M extends Match>(matches: M[]): M[] {
  const seen = new Set<string>();
  return matches.filter((m) => !seen.has(`${m.file}:${m.line}`) && seen.add(`${m.file}:${m.line}`));
}

/**
 * A fallback line with its default masked when that default is a secret: a password in a
 * URL, or any literal given to a secret-named variable (`SESSION_SECRET ?? 'dev-secret'`).
 */
export function maskedFallback(m: Match): string {
  const secrets: string[] = [];
  const inUrl = URL_CREDENTIALS.exec(m.text)?.[1];
  if (inUrl && !isPlaceholder(inUrl)) secrets.push(inUrl);
  if (/SECRET|PASSWORD|TOKEN/.test(m.text)) {
    for (const [, , literal] of m.text.matchAll(/(["'`])([^"'`\n]{4,})\1/g)) {
      if (!/^[A-Z0-9_]+$/.test(literal!) && !isPlaceholder(literal!)) secrets.push(literal!);
    }
  }
  return maskedMatch({ ...m, secret: '', secrets });
}
