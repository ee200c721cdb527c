// The run's cleanup: newest first, best effort, and nothing registered late outlives the run.
import { describe, expect, test } from 'vitest';
import { Cleanup } from './cleanup.ts';

describe('Cleanup', () => {
  test('undoes in reverse order, and one failing task does not stop the others', async () => {
    const order: string[] = [];
    const cleanup = new Cleanup();
    cleanup.add(() => order.push('database'));
    cleanup.add(() => {
      throw new Error('already gone');
    });
    cleanup.add(() => order.push('app'));
    await cleanup.run();
    expect(order).toEqual(['app', 'database']);
  });

  test('a task added after the run is over (a timed-out check still starting something) is undone at once', async () => {
    const cleanup = new Cleanup();
    await cleanup.run();
    let undone = false;
    cleanup.add(async () => {
      undone = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(undone).toBe(true);
  });

  test('run() waits for an undo added while it was running (Ctrl-C while a check was still creating a database)', async () => {
    const cleanup = new Cleanup();
    let dropped = false;
    cleanup.add(async () => {
      // While the run undoes this, a check finishes creating something and registers its undo.
      cleanup.add(async () => {
        await new Promise((r) => setTimeout(r, 50));
        dropped = true;
      });
    });
    await cleanup.run();
    expect(dropped).toBe(true);
  });
});
