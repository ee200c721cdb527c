// The engine as lessons see it: the one module a lesson's code imports from verify/ (the
// boundary test holds lessons to it). Everything else under verify/ may change shape without
// touching a lesson. A lesson needing something not here re-exports it here first, so the
// whole surface a lesson can depend on stays readable in one file. A lesson's own unit tests
// may still build a context from engine parts.

// Checks: the definition, the three verdicts, what a check is given.
export { defineCheck, fail, pass, skip } from './core/check.ts';
export type { Capability, CheckContext, CheckDefinition, Layer, Outcome, Severity, Status } from './core/check.ts';

// Scenarios: what a lesson sets up once per run for several checks (`await ctx.scenario(x)`),
// with its own signal and a declared order. Waiting: `ctx.poll` and `ctx.sleep`.
export { defineScenario } from './core/scenario.ts';
export type { Scenario } from './core/scenario.ts';
export type { Polled, PollOptions } from './core/poll.ts';

// Findings: one thing wrong at one place, and the one way they become an Outcome.
export { failFindings, findingLine, reportFindings } from './core/finding.ts';
export type { Finding } from './core/finding.ts';

// Errors: only a broken tool or environment throws (exit 2); a learner's mistake is a fail.
export { EnvironmentError } from './core/errors.ts';
export { parseLearnerJson } from './core/code-frame.ts';

// The workspace and the cluster's Secret source (.env.cluster), read the way the engine reads them.
export { isLocalConfig } from './core/workspace.ts';
export { parseEnvFile } from './core/cluster-apply.ts';

// Probes: the helpers and types that go with what `ctx` hands a check.
export { describeExit } from './probes/app.ts';
export type { ExitInfo, RunningApp, StartResult } from './probes/app.ts';
export { describeFetchError, slowRequest } from './probes/http.ts';
export type { HttpClient, HttpResponse } from './probes/http.ts';
export { formatMatch } from './probes/files.ts';
export type { FilesProbe, Match } from './probes/files.ts';
export { readDockerfile, execArgv, isExecForm, parseImageRef } from './probes/dockerfile.ts';
export type { ParsedDockerfile, Stage } from './probes/dockerfile.ts';
export { versionAtLeast } from './probes/machine.ts';
export { tcpReachable } from './probes/ports.ts';
export { redact } from './probes/postgres.ts';
export type { ScratchDatabase } from './probes/postgres.ts';
export { SERVICE_VARS } from './probes/services.ts';
export { parseMetrics, sum } from './probes/prometheus.ts';
export type { Family } from './probes/prometheus.ts';
export type { TcpProxy } from './probes/tcp-proxy.ts';
export type { CapturedMail, SmtpSink } from './services/smtp-sink.ts';

// Manifests: the workspace's k8s/ objects with line numbers, the schema, and the pure
// Kubernetes semantics (selectors, ports, env sources, Ingress paths…), all of it.
export { formatPath, isKind, ofKind, refOf } from './probes/manifests.ts';
export type { KnownKind, KnownKinds, Manifest, ObjectOf } from './probes/manifests.ts';
export { schemaProblems } from './probes/k8s-schema.ts';
export * from './probes/k8s-semantics.ts';
