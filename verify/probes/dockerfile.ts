// A Dockerfile read for static checks (dockerfile-ast): stages, instructions with line
// numbers, and the few facts the rules need (base images, user, command form).
import { DockerfileParser } from 'dockerfile-ast';
import type { FilesProbe } from './files.ts';

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based, for `Dockerfile:12` in messages. */
  line: number;
}

export interface Stage {
  /** `node:22.12.0-alpine` as written (after FROM, without `AS name`). */
  image: string;
  name?: string;
  tag?: string;
  digest?: string;
  line: number;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** The stage that becomes the image. */
  final: Stage;
}

export function readDockerfile(files: FilesProbe, rel = 'Dockerfile'): ParsedDockerfile | undefined {
  const text = files.read(rel);
  if (text === undefined) return undefined;
  const doc = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  for (const inst of doc.getInstructions()) {
    const keyword = inst.getKeyword().toUpperCase();
    const line = inst.getRange().start.line + 1;
    const args = inst.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      const from = doc.getFROMs().find((f) => f.getRange().start.line + 1 === line);
      stages.push({
        image: args.split(/\s+/)[0] ?? '',
        name: from?.getBuildStage() ?? undefined,
        tag: from?.getImageTag() ?? undefined,
        digest: from?.getImageDigest() ?? undefined,
        line,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args, line });
    }
  }
  if (!stages.length) return undefined;
  return { stages, final: stages.at(-1)! };
}

/** Whether a JSON-array (exec form) command: `["node", "src/server.js"]`. */
export function isExecForm(args: string): boolean {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}
