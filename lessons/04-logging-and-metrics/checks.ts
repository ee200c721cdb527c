import fs from 'node:fs';
import path from 'node:path';
import { defineCheck, fail, pass, type CheckContext, type Outcome } from '../../verify/lesson-api.ts';
import { linesBelowError } from '../shared/logs.ts';
import { isolatedEnv, notListening, startInstance } from '../shared/run-app.ts';
import { DISTINCT_IDS, growth, ID_ROUTE, nonJsonLines, requestSources, traffic, type Traffic } from '../shared/traffic.ts';

/** Every check of this lesson starts from the shared traffic run; if the app never ran, say so. */
async function withTraffic(ctx: CheckContext, check: (t: Traffic) => Outcome): Promise<Outcome> {
  const t = await traffic(ctx);
  return t.problem ? fail(t.problem, { evidence: t.app.result.app.tail() }) : check(t);
}

const idRoute = (v: string | undefined) => v !== undefined && ID_ROUTE.test(v);
const PROBE_ROUTE = /(^|\/)(livez|readyz|healthz?|metrics)$/;
/** What both route checks say when /metrics has no request series with a route label at all. */
const noRequestSeries = () =>
  fail('no counter, histogram or summary with a route label in /metrics', {
    expected: 'e.g. http_requests_total{method,route,status_code}, or a histogram whose _count counts requests',
    why: 'Prometheus (lesson 11) computes request rate, errors and duration per route from these series; without them you are blind to load, errors and latency.',
  });

export default [
  defineCheck({
    id: 'logs-are-json',
    title: 'Every line the app writes is one JSON object',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-json-logs-to-stdout',
    timeoutMs: 40_000,
    hints: [
      'The verifier drives some traffic and then parses every line your app wrote to stdout and stderr.',
      'A log agent (lesson 12) indexes JSON fields; a plain-text line, a banner or a console.log breaks that. Log everything through one pino logger.',
      "const log = require('pino')({ level: config.logLevel }); then log.info({ userId }, 'note created') instead of console.log.",
    ],
    // What else is correct: any logger (pino, winston, hand-rolled), any field names, stdout
    // or stderr: only "one JSON object per line" is judged.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const bad = nonJsonLines(t.lines);
        if (t.lines.length === 0) {
          return fail('the app wrote nothing to stdout or stderr while serving ~60 requests', {
            expected: 'one JSON line per request (and per notable event) on stdout',
            why: 'Kubernetes only sees stdout/stderr: logs written elsewhere are invisible to `kubectl logs` and to the log agent.',
          });
        }
        return bad.length === 0
          ? pass(`${t.lines.length} lines, all JSON`)
          : fail(`${bad.length} of ${t.lines.length} lines are not JSON objects`, {
              expected: 'one JSON object per line, on stdout/stderr only',
              why: 'Kubernetes collects stdout/stderr; your log agent and `kubectl logs | jq` need one event per line, as JSON, to filter by level, request id or user.',
              fix: 'Replace console.* and the file logger with pino (and pino-http for requests).',
              evidence: bad.slice(0, 5).map((l) => (l.length > 140 ? `${l.slice(0, 139)}…` : l)),
            });
      }),
  }),
  defineCheck({
    id: 'no-log-files',
    title: 'The app writes no log files',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-json-logs-to-stdout',
    timeoutMs: 40_000,
    hints: [
      'After the traffic run the verifier looks for logs/ or *.log in the folder the app ran in.',
      'A file inside a container is invisible to `kubectl logs`, fills the container disk and dies with the pod. Write to stdout only.',
    ],
    // What else is correct: anything that writes no file under the app's folder.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const found: string[] = [];
        const walk = (dir: string) => {
          for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            if (e.name === 'node_modules') continue;
            const rel = path.relative(t.app.result.cwd, path.join(dir, e.name));
            if (e.isDirectory()) e.name === 'logs' ? found.push(`${rel}/`) : walk(path.join(dir, e.name));
            else if (e.name.endsWith('.log')) found.push(rel);
          }
        };
        walk(t.app.result.cwd);
        return found.length === 0
          ? pass('no logs/ folder, no *.log file')
          : fail(`the app wrote ${found.join(', ')}`, {
              expected: 'no log files',
              why: 'Files in a container are lost with it and nobody reads them.',
              fix: 'Remove the file transport (src/log.js) and log to stdout.',
            });
      }),
  }),
  defineCheck({
    id: 'request-id',
    title: 'Requests carry an id: an incoming x-request-id is kept, echoed and logged',
    severity: 'required',
    layer: 'behaviour',
    learn: '#2-a-request-id-on-every-line',
    timeoutMs: 40_000,
    hints: [
      'The verifier sends x-request-id: verify-… and expects the same value back in the response header and in a log line; without the header it expects a fresh id.',
      "pino-http's genReqId: reuse a sane incoming x-request-id (an Ingress may set one), else crypto.randomUUID(); res.setHeader('x-request-id', id).",
    ],
    // What else is correct: any middleware, any id format (UUID, ULID, a counter with the pod
    // name), the id under any field of the log line.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const { sent, echoed, generated } = t.requestId;
        const problems: string[] = [];
        if (echoed !== sent) problems.push(`sent x-request-id ${sent}, got back ${echoed ?? 'no header'}`);
        if (!t.lines.some((l) => l.includes(sent))) problems.push(`no log line contains ${sent}`);
        if (!generated[0] || generated[0] === generated[1])
          problems.push(`without the header the ids were ${generated.map((g) => g ?? 'missing').join(' and ')}`);
        return problems.length === 0
          ? pass(`${sent} echoed and logged; fresh ids generated otherwise`)
          : fail(problems.join('; '), {
              expected: 'the incoming id kept, echoed in x-request-id and logged; a new unique id otherwise',
              why: 'With several replicas, the request id is how you find every line of one request across pods.',
            });
      }),
  }),
  defineCheck({
    id: 'secrets-stay-out',
    title: 'No secret appears in the logs or in /metrics',
    severity: 'required',
    layer: 'behaviour',
    // Judged on the structured logs this lesson introduces (request headers are logged from now on).
    dependsOn: ['logs-are-json'],
    learn: '#3-keep-secrets-out-of-the-logs',
    timeoutMs: 40_000,
    hints: [
      "The verifier searches your app's output and /metrics for the passwords in DATABASE_URL and REDIS_URL, SESSION_SECRET, ADMIN_TOKEN, and the Authorization token and session cookie it sent.",
      "Redact request headers in pino: redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers[\"set-cookie\"]']; never log the config object or a connection string.",
    ],
    // What else is correct: any way of keeping them out (redaction, serializers that pick
    // fields, not logging headers at all).
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const leaks = t.secrets.flatMap((s) => {
          const where = [t.lines.some((l) => l.includes(s)) && 'logs', t.metricsText.includes(s) && '/metrics'].filter(Boolean);
          return where.length ? [`${s.slice(0, 4)}… in ${where.join(' and ')}`] : [];
        });
        return leaks.length === 0
          ? pass(`none of ${t.secrets.length} secret values found in ${t.lines.length} lines or /metrics`)
          : fail(`${leaks.length} secret value(s) leaked`, {
              expected: 'no secret in any log line or metric',
              why: 'Logs are shipped to a store many people can read (lesson 12); a password there is a leaked password.',
              fix: 'Redact authorization and cookie headers; log err.message, not config or connection strings.',
              evidence: leaks,
            });
      }),
  }),
  defineCheck({
    id: 'log-level-from-config',
    title: 'LOG_LEVEL=error silences info and warn lines',
    severity: 'required',
    layer: 'behaviour',
    learn: '#1-json-logs-to-stdout',
    timeoutMs: 30_000,
    hints: [
      'The verifier starts the app with LOG_LEVEL=error, sends a few requests, and expects no line below error.',
      'Read LOG_LEVEL in src/config.js (default info) and pass it to pino({ level }).',
    ],
    // What else is correct: numeric or named levels in any case, under level, severity or
    // log.level (lessons/shared/logs.ts).
    async run(ctx) {
      const { env } = await isolatedEnv(ctx, { LOG_LEVEL: 'error' });
      const app = await startInstance(ctx, env);
      const problem = notListening(app);
      if (problem) return fail(`with LOG_LEVEL=error ${problem}`, { evidence: app.result.app.tail() });
      const http = ctx.http(app.url);
      for (const p of ['/', '/api/me', '/nope']) await http.get(p);
      await ctx.sleep(200); // request log lines are written after the answer
      const chatty = linesBelowError(`${app.result.app.stdout}\n${app.result.app.stderr}`, true);
      return chatty.length === 0
        ? pass('LOG_LEVEL=error: no line below error')
        : fail(`LOG_LEVEL=error, but ${chatty.length} line(s) below error were written`, {
            expected: 'only error and fatal lines',
            fix: 'pino({ level: config.logLevel }), with LOG_LEVEL read in src/config.js.',
            evidence: chatty.slice(0, 4),
          });
    },
  }),
  defineCheck({
    id: 'metrics-endpoint',
    title: 'GET /metrics serves Prometheus text with the default process metrics',
    severity: 'required',
    layer: 'behaviour',
    learn: '#4-a-metrics-endpoint',
    timeoutMs: 40_000,
    hints: [
      'The verifier reads GET /metrics.',
      "const client = require('prom-client'); client.collectDefaultMetrics(); app.get('/metrics', async (req, res) => { res.set('Content-Type', client.register.contentType); res.send(await client.register.metrics()); });",
    ],
    // What else is correct: the text format or OpenMetrics, any client library that exports
    // the process_* / nodejs_* process metrics.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const defaults = [...t.after.keys()].filter((n) => /^(process|nodejs)_/.test(n));
        return t.metricsStatus === 200 && /text\/plain|openmetrics/.test(t.metricsContentType ?? '') && defaults.length > 0
          ? pass(`${t.after.size} metric families, ${defaults.length} of them process/nodejs defaults`)
          : fail(`GET /metrics → ${t.metricsStatus} (${t.metricsContentType ?? 'no content-type'}), ${defaults.length} default metrics`, {
              expected: '200, text/plain Prometheus format, process_* and nodejs_* metrics',
              why: 'Prometheus (lesson 11) scrapes this endpoint; without it you are blind to load, errors and latency.',
            });
      }),
  }),
  defineCheck({
    id: 'red-counts-requests',
    title: 'Requests are counted by method, route pattern and status: exactly the traffic sent',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['metrics-endpoint'],
    learn: '#5-red-metrics-by-route-pattern',
    timeoutMs: 40_000,
    hints: [
      `The verifier sends ${DISTINCT_IDS} GET /api/notes/<id> plus one while Postgres is down, and expects a request count for route="/api/notes/:id" to grow by exactly ${DISTINCT_IDS + 1}.`,
      "new client.Counter({ name: 'http_requests_total', help: '…', labelNames: ['method', 'route', 'status_code'] }); inc it in res.on('finish') with route = req.baseUrl + req.route.path.",
    ],
    // What else is correct: any series Prometheus can rate(): a counter, or the _count of a
    // histogram (express-prom-bundle has only that) or summary; any metric name; the route
    // under route/path/handler/endpoint, written :id, {id}, #val… (see requestSources).
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const sources = requestSources(t.after);
        if (!sources.length) return noRequestSeries();
        const grown = sources.map((s) => ({ s, delta: growth(t, s, { [s.routeLabel]: idRoute }) }));
        const exact = grown.find((g) => g.delta === DISTINCT_IDS + 1);
        return exact
          ? pass(`${exact.s.sample}{${exact.s.routeLabel}=~"/api/notes/:id"} grew by ${exact.delta}`)
          : fail(grown.map((g) => `${g.s.sample} for ${g.s.routeLabel} /api/notes/:id grew by ${g.delta}`).join('; '), {
              expected: `${DISTINCT_IDS + 1} (the requests sent), under a route label value that stands for every id (/api/notes/:id)`,
              why: 'Rate is the R of RED: a count that misses requests, or spreads them over one series per id, gives wrong dashboards and alerts.',
              evidence: [
                ...new Set(
                  sources.flatMap((s) => s.family.samples.filter((x) => x.name === s.sample).map((x) => `${s.routeLabel}="${x.labels[s.routeLabel]}"`)),
                ),
              ].slice(0, 6),
            });
      }),
  }),
  defineCheck({
    id: 'red-counts-errors',
    title: 'Server errors show up as a 5xx series',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['red-counts-requests'],
    learn: '#5-red-metrics-by-route-pattern',
    timeoutMs: 40_000,
    hints: [
      'The verifier makes Postgres refuse connections, requests GET /api/notes/1, and expects a 5xx status label to grow.',
      'Record the status in res.on("finish") — after the error handler has set it.',
    ],
    // What else is correct: the status under status_code/status/code on any request count
    // (counter or histogram _count), as 500 or 5xx.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const withStatus = requestSources(t.after).filter((s) => s.statusLabel);
        if (!withStatus.length)
          return fail('no request count has a status label', {
            expected: 'a status_code (or status, code) label on the request counter',
            why: 'Errors are the E of RED: without the status, failed and successful requests look the same.',
          });
        const grown = withStatus.map((s) => ({ s, delta: growth(t, s, { [s.statusLabel!]: (v) => /^5/.test(v ?? '') }) }));
        const seen = grown.find((g) => g.delta >= 1);
        return seen
          ? pass(`the request during the outage answered ${t.errorStatus}; ${seen.s.sample}{${seen.s.statusLabel}=~"5.."} grew by ${seen.delta}`)
          : fail(`the request during the outage answered ${t.errorStatus ?? 'nothing'}, but no 5xx series grew`, {
              expected: `a sample with ${grown[0]!.s.statusLabel}="5.." increasing`,
              why: 'Errors are the E of RED: the error ratio is what you alert on.',
            });
      }),
  }),
  defineCheck({
    id: 'duration-in-seconds',
    title: 'Request duration is a histogram in seconds, per route',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['metrics-endpoint'],
    learn: '#5-red-metrics-by-route-pattern',
    timeoutMs: 40_000,
    hints: [
      'The verifier finds a histogram with a route label and checks that what it recorded for /api/notes/:id adds up to no more than the time those requests really took: seconds, not milliseconds.',
      "new client.Histogram({ name: 'http_request_duration_seconds', labelNames: [...] }); const end = histogram.startTimer(); res.on('finish', () => end(labels));",
    ],
    // What else is correct: any *_seconds histogram with a route label, with or without a
    // status label, with its own buckets. Not a summary: its quantiles are computed in each
    // pod and cannot be added up, so no query gives the p95 of all replicas together.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const sources = requestSources(t.after);
        const histograms = sources.filter((s) => s.family.type === 'histogram');
        const observed = histograms
          .map((s) => ({ s, count: growth(t, s, { [s.routeLabel]: idRoute }) }))
          .sort((a, b) => Number(/seconds/.test(b.s.family.name)) - Number(/seconds/.test(a.s.family.name)) || b.count - a.count);
        if (!observed.length) {
          const summary = sources.find((s) => s.family.type === 'summary');
          return summary
            ? fail(`${summary.family.name} is a summary`, {
                expected: 'a histogram',
                why: "A summary's quantiles are computed inside each pod, and quantiles do not add up: with two replicas, no query gives the p95 of the service. A histogram's buckets add up across pods (sum by (le)).",
                fix: `new client.Histogram({ name: '${summary.family.name}', … }) instead of client.Summary.`,
              })
            : fail('no histogram with a route label in /metrics', {
                expected: 'http_request_duration_seconds{method,route,status_code}',
                why: 'Duration is the D of RED: without it you cannot tell whether Teamnotes got slow.',
              });
        }
        const { s, count } = observed[0]!;
        const base = s.family.name;
        const recorded = growth(t, s, { [s.routeLabel]: idRoute }, `${base}_sum`);
        // The app's own timing of a request lies inside the verifier's, so in seconds the
        // recorded sum cannot exceed what the verifier measured (some slack for clocks); in
        // milliseconds it is about 1000 times more. Judged against the clock, not against
        // fixed buckets, so a slow, busy machine is not mistaken for the wrong unit.
        const measured = t.idRequestsSeconds;
        const inSeconds = count > 0 && recorded > 0 && recorded <= measured * 1.2 + 0.05;
        return /seconds/.test(base) && inSeconds
          ? pass(`${base}: ${count} observations, average ${((recorded / count) * 1000).toFixed(1)} ms`)
          : fail(
              `${base}: ${count} observations for /api/notes/:id adding up to ${recorded.toFixed(3)}, while those requests took ${measured.toFixed(3)} s${recorded > measured ? ` (${(recorded / measured).toFixed(0)}× more)` : ''}${/seconds/.test(base) ? '' : '; and the name has no unit'}`,
              {
                expected: 'a *_seconds histogram whose values are seconds, as long as the requests really took',
                why: 'Prometheus conventions and every dashboard assume base units; milliseconds in a _seconds metric make latency look 1000× worse.',
                fix: 'Observe seconds (histogram.startTimer() does) and keep the default buckets.',
              },
            );
      }),
  }),
  defineCheck({
    id: 'route-label-bounded',
    title: 'The route label holds patterns, not raw URLs',
    severity: 'required',
    layer: 'behaviour',
    dependsOn: ['metrics-endpoint'],
    learn: '#5-red-metrics-by-route-pattern',
    timeoutMs: 40_000,
    hints: [
      `After ${DISTINCT_IDS} distinct ids and 3 random unknown paths the verifier counts route label values.`,
      "Use req.route.path (with req.baseUrl), which is the pattern; label requests that matched no route 'unmatched'.",
    ],
    // What else is correct: any fixed set of values (patterns, handler names, one value
    // for unmatched paths), on every request metric: each of them is judged.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const sources = requestSources(t.after);
        if (!sources.length) return noRequestSeries();
        const routes = [...new Set(sources.flatMap((s) => s.family.samples.filter((x) => x.name === s.sample).map((x) => x.labels[s.routeLabel] ?? '')))];
        const raw = routes.filter((r) => t.rawValues.some((v) => r.includes(v)));
        return raw.length === 0 && routes.length < 25
          ? pass(`${routes.length} route values: ${routes.slice(0, 6).join(', ')}${routes.length > 6 ? ', …' : ''}`)
          : fail(`${routes.length} route values, ${raw.length} of them raw URLs`, {
              expected: 'patterns like /api/notes/:id, and one value for unmatched paths',
              why: 'Every distinct label value is a new time series in Prometheus: raw ids or random paths grow them without bound until Prometheus runs out of memory.',
              evidence: raw.slice(0, 5),
            });
      }),
  }),
  defineCheck({
    id: 'probes-not-counted',
    title: 'Probes and scrapes stay out of the request metrics',
    severity: 'recommended',
    layer: 'behaviour',
    dependsOn: ['red-counts-requests'],
    learn: '#5-red-metrics-by-route-pattern',
    timeoutMs: 40_000,
    hints: [
      'The verifier calls /readyz, /livez and /metrics like the kubelet and Prometheus do, then looks for them in your request metrics.',
      'Register app.use(metrics.recordRequests) after the probe routes and /metrics, so they answer before it runs.',
    ],
    // What else is correct: leaving them out any way (middleware order, an exclude list).
    // Recommended only: a dashboard can filter them out by route, if everyone remembers to.
    run: (ctx) =>
      withTraffic(ctx, (t) => {
        const counted = requestSources(t.after).flatMap((s) =>
          [
            ...new Set(
              s.family.samples
                .filter((x) => x.name === s.sample && x.value > 0 && PROBE_ROUTE.test(x.labels[s.routeLabel] ?? ''))
                .map((x) => x.labels[s.routeLabel]!),
            ),
          ].map((r) => `${s.sample}{${s.routeLabel}="${r}"}`),
        );
        return counted.length === 0
          ? pass('no /livez, /readyz or /metrics series in the request metrics')
          : fail(`the request metrics count probes and scrapes: ${counted.slice(0, 3).join(', ')}`, {
              expected: 'only user traffic counted',
              why: 'The kubelet probes every few seconds and Prometheus scrapes every 15–30 s, on every pod: counted, they swamp the request rate and pull the latency down.',
              fix: 'Move app.use(metrics.recordRequests) below the /livez, /readyz and /metrics routes in src/server.js.',
            });
      }),
  }),
];
