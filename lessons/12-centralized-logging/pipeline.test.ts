// The agent's pipeline read by meaning in both of Fluent Bit's formats, and what lesson 12
// asks of it. The curriculum test runs the same rules on whole fixtures; these name the cases.
import { describe, expect, it } from 'vitest';
import { readPipeline, routes } from './fluent-bit-config.ts';
import { inputProblems, outputProblems } from './pipeline-rules.ts';

const YAML = `service:
  flush: 2
  http_server: on
pipeline:
  inputs:
    - name: tail
      tag: kube.*
      path: /var/log/containers/*.log
      multiline.parser: cri
  filters:
    - name: kubernetes
      match: kube.*
  outputs:
    - name: loki
      match: kube.*
      host: loki.logging.svc.cluster.local
      port: 3100
      labels: job=fluent-bit, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name']
`;

const CLASSIC = `[SERVICE]
    Flush 2

# comments and @INCLUDE lines are not properties
@INCLUDE other.conf
[INPUT]
    Name              tail
    Tag               kube.*
    Path              /var/log/containers/*.log
    multiline.parser  docker, cri

[OUTPUT]
    Name    loki
    Match   kube.*
    Host    loki.logging
    Labels  namespace=$kubernetes['namespace_name']
`;

const yaml = (text: string) => readPipeline([{ file: 'fluent-bit.yaml', text }]);

describe('readPipeline', () => {
  it('reads the YAML format by the file extension, keys in any case', () => {
    const p = yaml(YAML.replace('multiline.parser', 'Multiline.Parser'));
    expect(p.inputs.map((i) => [i.name, i.props.path, i.props['multiline.parser']])).toEqual([['tail', '/var/log/containers/*.log', 'cri']]);
    expect(p.outputs[0]!.props.port).toBe('3100');
    expect(p.notes).toEqual([]);
  });

  it('reads the classic format for any other file name, and keeps the sections apart', () => {
    const p = readPipeline([{ file: 'fluent-bit.conf', text: CLASSIC }]);
    expect(p.inputs).toHaveLength(1);
    expect(p.outputs[0]!.props).toMatchObject({ name: 'loki', host: 'loki.logging', match: 'kube.*' });
    expect(p.filters).toEqual([]);
  });

  it('a file that is not YAML is a note naming the file, not a crash', () => {
    const p = yaml(YAML.replace('match: kube.*\n      host', 'match: *\n      host'));
    expect(p.notes.join()).toMatch(/fluent-bit.yaml is not valid YAML/);
  });

  it('inputs outside pipeline: are named as such', () => {
    const p = yaml('inputs:\n  - name: tail\n    path: /var/log/containers/*.log\n');
    expect(p.inputs).toEqual([]);
    expect(p.notes.join()).toMatch(/inputs at the top level/);
  });
});

describe('what lesson 12 asks of the pipeline', () => {
  it('the reference shape passes in both formats', () => {
    expect([...inputProblems(yaml(YAML)), ...outputProblems(yaml(YAML))]).toEqual([]);
    const classic = readPipeline([{ file: 'fluent-bit.conf', text: CLASSIC }]);
    expect([...inputProblems(classic), ...outputProblems(classic)]).toEqual([]);
  });

  it('Docker paths and parser are named', () => {
    const p = yaml(YAML.replace('/var/log/containers/*.log', '/var/lib/docker/containers/*/*.log').replace('multiline.parser: cri', 'parser: docker'));
    expect(inputProblems(p).join('\n')).toMatch(/not the container logs[\s\S]*no Docker there[\s\S]*Docker JSON/);
  });

  it('an output without host ships to 127.0.0.1, the agent itself', () => {
    expect(outputProblems(yaml(YAML.replace('      host: loki.logging.svc.cluster.local\n', '')))).toEqual([expect.stringMatching(/no host.*127\.0\.0\.1/)]);
  });

  it('an output the container records never reach is named, with or without match', () => {
    expect(outputProblems(yaml(YAML.replace('      match: kube.*\n      host', '      host')))).toEqual([
      expect.stringMatching(/no match: Fluent Bit routes nothing/),
    ]);
    expect(outputProblems(yaml(YAML.replace('      match: kube.*\n      host', '      match: app.*\n      host')))).toEqual([
      expect.stringMatching(/matches app\.\*, which .* never does/),
    ]);
  });

  it("match '*' and match_regex route like Fluent Bit's router", () => {
    const [input] = yaml(YAML).inputs;
    const out = (props: Record<string, string>) => ({ kind: 'output' as const, name: 'loki', file: 'f', props });
    expect(routes(input!, out({ match: '*' }))).toBe(true);
    expect(routes(input!, out({ match: 'kube.var.log.containers.*' }))).toBe(true);
    expect(routes(input!, out({ match_regex: '^kube\\.' }))).toBe(true);
    expect(routes(input!, out({ match: 'kube' }))).toBe(false);
  });

  it('labels from the line are refused; a namespace label is required', () => {
    expect(outputProblems(yaml(YAML.replace("pod=$kubernetes['pod_name']", "request_id=$req['id']"))).join()).toMatch(/\$req\['id'\] comes from the log line/);
    expect(outputProblems(yaml(YAML.replace("namespace=$kubernetes['namespace_name'], ", ''))).join()).toMatch(/without the namespace/);
    expect(outputProblems(yaml(YAML.replace(/labels: .*/, 'auto_kubernetes_labels: on')))).toEqual([]);
  });
});
