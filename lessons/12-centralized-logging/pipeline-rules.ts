// What lesson 12 asks of the agent's pipeline, judged on its meaning (see fluent-bit-config.ts):
// a tail input on the container logs with the cri parser, and a loki output that those records
// reach, aimed at the Loki Service, labelled by namespace, pod and container only.
import { listOf, routes, type Pipeline, type Plugin } from './fluent-bit-config.ts';

const CONTAINER_LOGS = ['/var/log/containers', '/var/log/pods'];

/** The tail inputs that read the container logs (any path under /var/log/containers or /var/log/pods). */
export function containerInputs(p: Pipeline): Plugin[] {
  return p.inputs.filter((i) => i.name === 'tail' && listOf(i.props.path).some((path) => CONTAINER_LOGS.some((dir) => path.startsWith(dir))));
}

/**
 * What else is correct: /var/log/pods as the path, several paths in one input, `parser cri`
 * (the older single-line parser) instead of `multiline.parser cri`, either format, any tag.
 */
export function inputProblems(p: Pipeline): string[] {
  const problems = [...p.notes];
  const tails = p.inputs.filter((i) => i.name === 'tail');
  const paths = tails.flatMap((i) => listOf(i.props.path));
  const readers = containerInputs(p);
  if (!readers.length) {
    problems.push(
      paths.length
        ? `the tail input reads ${paths.join(', ')}, not the container logs under /var/log/containers (or /var/log/pods)`
        : p.inputs.length
          ? `no tail input: the pipeline's inputs are ${p.inputs.map((i) => i.name || '(no name)').join(', ')}, none reads /var/log/containers/*.log`
          : 'no input reads /var/log/containers/*.log: the pipeline has no tail input',
    );
  }
  if (paths.some((path) => path.startsWith('/var/lib/docker')))
    problems.push("tails /var/lib/docker/containers: kind's nodes run containerd, there is no Docker there");
  const parsers = (readers.length ? readers : tails).flatMap((i) =>
    [...listOf(i.props['multiline.parser']), ...listOf(i.props.parser)].map((x) => x.toLowerCase()),
  );
  if (tails.length && !parsers.includes('cri')) {
    problems.push(
      parsers.includes('docker')
        ? 'parses the lines as Docker JSON; containerd writes the CRI format (use the cri parser)'
        : 'no cri parser on the tail input: each line keeps its "time stream flag" prefix and long lines stay split',
    );
  }
  return problems;
}

const LOKI_SERVICE = /^loki(\.logging(\.svc(\.cluster\.local)?)?)?$/;
const LOCAL = ['localhost', '127.0.0.1', '0.0.0.0'];

/**
 * What else is correct: loki, loki.logging, loki.logging.svc(.cluster.local); `match` or
 * `match_regex`, any pattern that the container input's tag satisfies; any label names, with
 * labels from the kubernetes filter (or auto_kubernetes_labels). What is not: the agent's own
 * pod, an output the records never reach, labels taken from the log line.
 */
export function outputProblems(p: Pipeline): string[] {
  const lokis = p.outputs.filter((o) => o.name === 'loki');
  if (!lokis.length)
    return [
      ...p.notes,
      p.outputs.length ? `no loki output: the lines go to ${p.outputs.map((o) => o.name || '(no name)').join(', ')} only` : 'no output: the lines go nowhere',
    ];
  const problems = [...p.notes];
  for (const o of lokis) {
    // The loki plugin's own default host is 127.0.0.1: leaving it out ships to the agent itself.
    const host = o.props.host ?? '';
    if (!host) problems.push("the loki output has no host: Fluent Bit's default, 127.0.0.1, is the agent's own pod, not the store");
    else if (LOCAL.includes(host)) problems.push(`output host ${host} is the agent's own pod, not the store`);
    else if (!LOKI_SERVICE.test(host)) problems.push(`output host ${host} is not the Loki Service (loki.logging.svc.cluster.local)`);
    if (o.props.port && o.props.port !== '3100') problems.push(`the loki output sends to port ${o.props.port}; the Loki Service listens on 3100`);
  }
  const readers = containerInputs(p);
  const reached = lokis.filter((o) => readers.some((i) => routes(i, o)));
  if (readers.length && !reached.length) {
    const o = lokis[0]!;
    const tag = readers[0]!.props.tag ?? `${readers[0]!.name}.0`;
    problems.push(
      o.props.match || o.props.match_regex
        ? `the loki output matches ${o.props.match ?? o.props.match_regex}, which the container input's tag ${tag} never does: no line is routed to Loki`
        : `the loki output has no match: Fluent Bit routes nothing to it (its log says "NO match for loki.0 output instance"); match the input's tag ${tag}`,
    );
  }
  return [...problems, ...labelProblems(reached.length ? reached : lokis)];
}

/**
 * Loki labels taken from the log line itself (`$req['id']`, `$msg`, `$userId`): every distinct
 * value is a stream of its own. What else is correct: any static label, any of the kubernetes
 * filter's fields (namespace, pod, container, host, the pod's labels), the stream and the level,
 * written as labels or label_keys. And a namespace label must be there, or
 * `{namespace="teamnotes"}` finds nothing.
 */
export function labelProblems(lokis: Plugin[]): string[] {
  const values = lokis.flatMap((o) => [o.props.labels, o.props.label_keys].filter((v): v is string => !!v));
  const bounded = /^\$(kubernetes\b|stream\b|level\b)/;
  const unbounded = values.flatMap((v) => [...v.matchAll(/\$[A-Za-z_][\w.]*(\[[^\]]*\])*/g)].map((m) => m[0]).filter((acc) => !bounded.test(acc)));
  if (unbounded.length) {
    return [
      `the Loki label${unbounded.length > 1 ? 's' : ''} ${unbounded.join(', ')} come${unbounded.length > 1 ? '' : 's'} from the log line itself: one stream per distinct value (per request, per user), which Loki's index is not built for; keep labels to namespace, pod and container, and search the text with |=`,
    ];
  }
  const byNamespace =
    lokis.some((o) => /^(on|true|yes)$/i.test(o.props.auto_kubernetes_labels ?? '') || !!o.props.label_map_path) ||
    values.some((v) => /\$kubernetes\[['"]namespace_name['"]\]/.test(v));
  return byNamespace
    ? []
    : [
        `the loki output labels its streams without the namespace ($kubernetes['namespace_name']): every line lands in one stream, and {namespace="teamnotes"} finds nothing`,
      ];
}
