import { apiStatus } from '../../src/kube/client';

/** Conflicts a read-modify-write tries through before the step's own retry takes over (client-go's RetryOnConflict). */
const conflictAttempts = 5;

/**
 * Runs a read-modify-write again from a fresh read when its conditional write meets a 409: the flow's own progress
 * write lands beside the step, so a conflict is expected and not a failure of the step.
 */
export async function retryOnConflict<T>(readModifyWrite: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readModifyWrite();
    } catch (error) {
      if (apiStatus(error) !== 409 || attempt >= conflictAttempts) throw error;
    }
  }
}
