/** Unit, snapshot and real-binary tests. The end-to-end suite has its own config (jest.e2e.config.js). */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/testing-outdirs.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
