// What the curriculum test reads from a lesson's README: the "Common mistakes" a lesson
// warns about and the check ids its "Check yourself" section promises. Both are promises
// to the learner, so the test holds them to the fixtures and to the checks.

/** The text of the `## <title>` section, up to the next heading of level 1 or 2. */
export function section(readme: string, title: string): string {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/**
 * The bold titles of the "Common mistakes" bullets: `- **Uploads still on disk.** …` →
 * `Uploads still on disk`. Fixtures name a mistake by this title (trailing period dropped).
 */
export function commonMistakes(readme: string): string[] {
  return [...section(readme, 'Common mistakes').matchAll(/^[-*]\s+\*\*(.+?)\*\*/gm)].map((m) => normaliseMistake(m[1]!));
}

export function normaliseMistake(title: string): string {
  return title.trim().replace(/[.:]$/, '').trim();
}

/** Every `NN.check-id` written in the "Check yourself" section (an id starts with a letter, so `v20.19` is not one). */
export function listedCheckIds(readme: string): string[] {
  return [...new Set([...section(readme, 'Check yourself').matchAll(/\b(\d{2}\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*)\b/g)].map((m) => m[1]!))];
}

/**
 * The workspace file a check's `where` names, if it names one: `src/db.js:4` → `src/db.js`
 * (line 4), `k8s/app.yaml:12 › spec.replicas` → `k8s/app.yaml` (line 12). Cluster objects
 * (`deployment/web`), URLs and variable names are not files and give undefined.
 */
export function whereFile(where: string): { file: string; line?: number } | undefined {
  const head = where
    .trim()
    .split(/\s+›\s+/)[0]!
    .trim();
  const m = /^([\w@./-]+?)(?::(\d+))?(?::\d+)?$/.exec(head);
  if (!m) return undefined;
  const file = m[1]!;
  const KUBE_REF =
    /^(deployment|statefulset|daemonset|service|ingress|cronjob|job|pod|configmap|secret|namespace|node|pvc|persistentvolumeclaim|endpointslice|ingressclass)s?\//i;
  if (KUBE_REF.test(file) || /^https?:/.test(file)) return undefined;
  // A file or a folder of the workspace: has an extension or a slash, is a dotfile, comes
  // with a line number, or is a Dockerfile (no extension, but a file all the same).
  if (!/[./]/.test(file) && !m[2] && !/^(Dockerfile|Containerfile)$/.test(file)) return undefined;
  return { file, line: m[2] ? Number(m[2]) : undefined };
}
