const client = require('prom-client');

// Prometheus metrics, scraped from GET /metrics. Logs tell the story of one request;
// metrics answer "how is it going overall?" cheaply, for dashboards and alerts.

// CPU, memory, event-loop lag, GC, open handles… of this process.
client.collectDefaultMetrics();

// RED: Rate and Errors (the counter, by status code) and Duration (the histogram).
const labelNames = ['method', 'route', 'status_code'];
const requests = new client.Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames,
});
const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer HTTP requests in seconds, by method, route pattern and status code',
  labelNames,
});

// Every distinct label value is a separate time series in Prometheus. The route
// PATTERN (/api/notes/:id) keeps them few; the raw URL (/api/notes/1, /api/notes/2, a
// scanner's random paths…) would grow them without bound.
function routeOf(req) {
  return req.route ? req.baseUrl + req.route.path : 'unmatched';
}

function recordRequests(req, res, next) {
  const stopTimer = duration.startTimer(); // measures in seconds, the Prometheus unit
  // 'finish': the response is complete, so the route is known and the status final.
  res.on('finish', () => {
    const labels = { method: req.method, route: routeOf(req), status_code: res.statusCode };
    requests.inc(labels);
    stopTimer(labels);
  });
  next();
}

async function metricsEndpoint(req, res) {
  res.set('Content-Type', client.register.contentType);
  res.send(await client.register.metrics());
}

module.exports = { recordRequests, metricsEndpoint };
