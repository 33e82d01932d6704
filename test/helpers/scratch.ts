import { tmpdir } from 'node:os';

/** Where a test's scratch files go: inside the run's data directory, removed with it after a passing run. */
export const scratchRoot = (): string => process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir();
