/** Resolves after Ctrl-C (or SIGTERM) once `cleanup` has run; a second Ctrl-C exits at once. */
export function stopOnSignal(cleanup: () => Promise<void>): Promise<void> {
  return new Promise((resolveStop, reject) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      cleanup().then(resolveStop, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
