// A Fluent Bit configuration read by meaning: which inputs, filters and outputs it runs and
// with which properties, whichever of Fluent Bit's two formats a file is written in. The YAML
// format (`service:`, `pipeline:` with `inputs`, `filters`, `outputs`) is the one lesson 12
// teaches; the classic `[INPUT]` / `[OUTPUT]` format is announced as deprecated from the end
// of 2026 but still read, so a learner who follows an older guide is not failed for it.
import { parse as parseYaml } from 'yaml';

export type PluginKind = 'input' | 'filter' | 'output';

/** One input, filter or output: its plugin name and properties, keys lower-cased as Fluent Bit compares them. */
export interface Plugin {
  kind: PluginKind;
  name: string;
  props: Record<string, string>;
  /** The ConfigMap key (file) it was read from. */
  file: string;
}

export interface Pipeline {
  inputs: Plugin[];
  filters: Plugin[];
  outputs: Plugin[];
  /** Why part of a file could not be read as Fluent Bit would: unparseable YAML, sections outside `pipeline:`. */
  notes: string[];
}

/**
 * Fluent Bit picks the format by the file's extension: `.yaml` / `.yml` is YAML, anything else
 * classic. Every file of the agent's ConfigMaps is read (includes, parser files and scripts
 * simply contribute no plugins), which is how most real configurations are split.
 */
export function readPipeline(files: Array<{ file: string; text: string }>): Pipeline {
  const pipeline: Pipeline = { inputs: [], filters: [], outputs: [], notes: [] };
  for (const { file, text } of files) {
    const plugins = /\.ya?ml$/i.test(file) ? readYaml(file, text, pipeline.notes) : readClassic(file, text);
    for (const p of plugins) pipeline[`${p.kind}s`].push(p);
  }
  return pipeline;
}

const SECTIONS: Record<string, PluginKind> = { inputs: 'input', filters: 'filter', outputs: 'output' };

function readYaml(file: string, text: string, notes: string[]): Plugin[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // The message of the yaml package names the line and column; its first line is enough.
    notes.push(`${file} is not valid YAML, so Fluent Bit refuses it and the pod restarts: ${String((e as Error).message).split('\n')[0]}`);
    return [];
  }
  if (!isMap(doc)) return [];
  const misplaced = Object.keys(doc).filter((k) => k.toLowerCase() in SECTIONS);
  if (misplaced.length)
    notes.push(`${file} has ${misplaced.join(', ')} at the top level: Fluent Bit only runs the inputs, filters and outputs under pipeline:`);
  const pipeline = Object.entries(doc).find(([k]) => k.toLowerCase() === 'pipeline')?.[1];
  if (!isMap(pipeline)) return [];
  return Object.entries(pipeline).flatMap(([section, list]) => {
    const kind = SECTIONS[section.toLowerCase()];
    if (!kind || !Array.isArray(list)) return [];
    return list.filter(isMap).map((entry) =>
      plugin(
        kind,
        file,
        Object.entries(entry).map(([k, v]) => [k, scalar(v)] as const),
      ),
    );
  });
}

function readClassic(file: string, text: string): Plugin[] {
  const plugins: Plugin[] = [];
  let current: Array<readonly [string, string]> | undefined;
  let kind: PluginKind | undefined;
  const close = () => {
    if (current && kind) plugins.push(plugin(kind, file, current));
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const header = /^\[([A-Za-z_]+)\]$/.exec(line);
    if (header) {
      close();
      kind = SECTIONS[`${header[1]!.toLowerCase()}s`];
      current = [];
      continue;
    }
    const prop = /^(\S+)\s+(.*)$/.exec(line);
    if (prop && current) current.push([prop[1]!, prop[2]!.trim()]);
  }
  close();
  return plugins;
}

function plugin(kind: PluginKind, file: string, entries: ReadonlyArray<readonly [string, string]>): Plugin {
  const props: Record<string, string> = {};
  // A key given twice (classic allows it) keeps both values, as a list Fluent Bit would see.
  for (const [k, v] of entries) props[k.toLowerCase()] = props[k.toLowerCase()] !== undefined ? `${props[k.toLowerCase()]}, ${v}` : v;
  return { kind, name: (props.name ?? '').toLowerCase(), props, file };
}

function scalar(v: unknown): string {
  if (Array.isArray(v)) return v.map(scalar).join(', ');
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A comma-separated property (paths, parsers) as its parts. */
export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Does an output's `match` pattern route this input's records to it? Fluent Bit compares the
 * record's tag with the pattern, `*` matching any run of characters. A tail input's `*` in its
 * tag becomes the file's path with dots for slashes, so a sample path stands in for it.
 */
export function routes(input: Plugin, output: Plugin): boolean {
  const tag = (input.props.tag ?? `${input.name}.0`).replace('*', 'var.log.containers.web-5d9c_teamnotes_web-0a1b.log');
  if (output.props.match_regex) {
    try {
      return new RegExp(output.props.match_regex).test(tag);
    } catch {
      return false;
    }
  }
  const pattern = output.props.match;
  if (!pattern) return false;
  return new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(tag);
}
