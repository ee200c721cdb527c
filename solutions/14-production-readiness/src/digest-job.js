// One digest, then exit: the command of the CronJob in k8s/digest-cronjob.yaml.
//   node src/digest-job.js          (npm run digest, with the server's environment)
//
// The legacy app ran the digest on a setInterval inside every web process, and needed a
// Redis lock so that N replicas sent it once. Kubernetes' CronJob starts one pod per
// schedule instead (concurrencyPolicy: Forbid: never two at once), and the jobs' ids
// (src/digest.js) make even two overlapping runs queue each mail once. The exit code is
// the result: 0 and the Job is Complete, non-zero and Kubernetes retries it.
const log = require('./log');
const db = require('./db');
const redis = require('./redis');
const queue = require('./queue');
const digest = require('./digest');

async function main() {
  await redis.connect();
  try {
    const result = await digest.runDigest();
    if (result.skipped) log.info({ reason: result.skipped }, 'Digest skipped');
  } finally {
    // Open connections would keep the process (and the Job's pod) running forever.
    await Promise.all([queue.close(), db.close(), redis.close()]);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log.fatal({ err }, 'Digest failed');
    process.exit(1);
  },
);
