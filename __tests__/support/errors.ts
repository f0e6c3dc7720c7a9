/** The message of the error `build` throws; fails the test when it throws none. */
export function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}
