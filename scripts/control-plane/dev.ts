// Start the harness control plane and keep it up until Ctrl-C, for manual poking with kubectl or the verifier.
//
//   npx tsx scripts/control-plane/dev.ts [--workers N] [--keep]
//
// --keep leaves the temp dir (logs, certs, etcd data) in place after Ctrl-C.
import { parseArgs } from 'node:util';
import { startControlPlane } from './control-plane.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});

const cp = await startControlPlane({ workers: Number(values.workers), keepDir: values.keep }).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

console.log(`
Control plane is up (context ${cp.contextName}, API ${cp.server}).
Kubeconfig: ${cp.kubeconfigPath}
Component logs: ${cp.dir}/*.log

  export KUBECONFIG=${cp.kubeconfigPath}
  kubectl get nodes

Press Ctrl-C to stop it (every process is stopped and the temp dir removed).`);

// The harness installs the signal handlers that stop the processes; this only keeps the event loop alive.
setInterval(() => {}, 1 << 30);
