/**
 * Jest transform: TypeScript to CommonJS with esbuild, one file at a time. Type checking is `npm run typecheck`
 * (tsc), run before jest by `npm test`, so the suites need only the emitted JavaScript.
 */
const crypto = require('crypto');
const { transformSync, version } = require('esbuild');

const OPTIONS = { loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'external', sourcesContent: false };

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(`${version}\0${filename}\0${source}`).digest('hex');
  },
};
