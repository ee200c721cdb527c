// One ordered teardown for the real-kind tier: cleanups run last-registered first (the cluster is
// deleted before the dockerd that runs it stops), on demand or on SIGINT/SIGTERM/SIGHUP.
// A hard death (SIGKILL, OOM) skips this; the dockerd watchdog (dockerd-reaper.mjs) covers that case.
type Cleanup = { what: string; run: () => Promise<void> };

const stack: Cleanup[] = [];
let installed = false;
let running: Promise<void> | undefined;

function install(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(
        `\n[kind] ${sig}: cleaning up (${
          stack
            .map((c) => c.what)
            .reverse()
            .join(', ') || 'nothing to do'
        })…`,
      );
      void runTeardown().then(() => {
        // Re-raise so the exit status says which signal ended us, unless someone else handles it.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    });
  }
}

/** Register a cleanup; returns a function that unregisters it (call it after a normal stop). */
export function onTeardown(what: string, run: () => Promise<void>): () => void {
  install();
  const entry = { what, run };
  stack.push(entry);
  return () => {
    const i = stack.indexOf(entry);
    if (i >= 0) stack.splice(i, 1);
  };
}

/** Run every registered cleanup, newest first; an error in one does not skip the others. */
export function runTeardown(): Promise<void> {
  running ??= (async () => {
    while (stack.length) {
      const c = stack.pop()!;
      try {
        await c.run();
      } catch (err) {
        console.error(`[kind] cleanup of ${c.what} failed: ${(err as Error).message}`);
      }
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}
