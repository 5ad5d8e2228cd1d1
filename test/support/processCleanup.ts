import { stopAllGroups } from './processes';

/**
 * Mocha root hook plugin (loaded with --require from every .mocharc): once all tests have
 * run, stops any process group a test started and did not stop, and fails the run naming
 * it, so a missing clean-up is seen instead of leaving a process behind. The runner's own
 * exit and SIGINT/SIGTERM are covered by ./processes.ts.
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    const left = await stopAllGroups();
    if (left.length > 0) {
      throw new Error(`a test left ${left.length} process group(s) running (now stopped): ${left.map((g) => `${g.pgid} ${g.label}`).join('; ')}`);
    }
  },
};
