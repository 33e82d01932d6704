// Module hooks: `node:test` imported from a test file resolves to node-test-with-timeout.ts instead.
// (Node 20's --test-timeout bounds a whole file, not each test, so the default is applied here.)
const wrapper = new URL('./node-test-with-timeout.ts', import.meta.url).href;
const testDir = new URL('../', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromTest = context.parentURL?.startsWith(testDir) && context.parentURL !== wrapper;
  if (fromTest && (specifier === 'node:test' || specifier === 'test')) return nextResolve(wrapper, context);
  return nextResolve(specifier, context);
}
