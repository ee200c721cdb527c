// Everything a verify run starts (apps, temp dirs, databases) is registered here and
// undone at the end, newest first, even when a check fails or times out.
export class Cleanup {
  private tasks: Array<() => unknown> = [];

  add(task: () => unknown): void {
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    const tasks = this.tasks.reverse();
    this.tasks = [];
    for (const task of tasks) {
      try {
        await task();
      } catch {
        // Best effort: one failed cleanup must not keep the others from running.
      }
    }
  }
}
