/* global module, require, __dirname */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- serverless-esbuild loads this file as CommonJS
const path = require('node:path');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readFile } = require('node:fs/promises');

/**
 * esbuild options for the Lambda bundles, shared by serverless.yml (serverless-esbuild's
 * `custom.esbuild.config`) and `npm run bench` (bundle size, cold import): what is measured is
 * what is deployed. serverless-esbuild calls this with the serverless instance.
 */

/**
 * Two modules the bundles replace with what a Lambda actually needs (issue 16: bundles ≤ 400 KB).
 * Only the bundles change: `npm start`, the CLI and the tests run the real packages.
 *
 * - `@aws-sdk/credential-provider-node`, the SDK's default credential chain (env, SSO, ini files,
 *   credential_process, web identity, ECS/EC2 metadata, with the STS/SSO clients they need:
 *   about 100 KB minified). A Lambda gets its role's credentials as environment variables only,
 *   and `serverless invoke local` resolves the caller's profile itself and passes the result
 *   the same way (osls `invoke-local`: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   AWS_SESSION_TOKEN), so the chain's first link, the SDK's own `fromEnv`, is all a bundle uses.
 * - `semver` (30 KB), which jsonwebtoken loads for three checks of `process.version` at import
 *   (`>=15.7.0`, `>=16.9.0`, `^6.12.0 || >=8.0.0`). The replacement implements `satisfies` for
 *   exactly those comparator forms and throws on any other, so a jsonwebtoken release that asks
 *   for something else fails at cold start (and in `npm run bench`), never silently.
 * - Each AWS SDK client's `package.json` (2 to 2.5 KB each, imported whole for one field) by its
 *   `version`, the only field the client reads (its user agent, `runtimeConfig.js`).
 */
const LAMBDA_CREDENTIALS = `
import { fromEnv } from '@aws-sdk/credential-provider-env';
// The SDK calls this with the client's config and uses the provider it returns.
export const defaultProvider = (init = {}) => fromEnv(init);
`;

const SEMVER_SATISFIES = `
'use strict';
function parse(v) {
  const m = /^v?(\\d+)\\.(\\d+)\\.(\\d+)/.exec(v);
  if (!m) throw new Error('semver (bundle): not a version: ' + v);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
function cmp(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
function comparator(c, v) {
  const m = /^(>=|\\^)\\s*(\\d+\\.\\d+\\.\\d+)$/.exec(c.trim());
  if (!m) throw new Error('semver (bundle): unsupported range "' + c + '" (infra/esbuild.config.js)');
  const low = parse(m[2]);
  if (cmp(v, low) < 0) return false;
  if (m[1] === '>=') return true;
  // ^a.b.c: below the next major (or the next minor for 0.b.c).
  const high = low[0] > 0 ? [low[0] + 1, 0, 0] : [0, low[1] + 1, 0];
  return cmp(v, high) < 0;
}
exports.satisfies = (version, range) => String(range).split('||').some((c) => comparator(c, parse(String(version))));
`;

const lambdaOnly = {
  name: 'lambda-only-modules',
  setup(build) {
    const root = path.join(__dirname, '..');
    const replaced = { '@aws-sdk/credential-provider-node': ['esm', LAMBDA_CREDENTIALS], semver: ['cjs', SEMVER_SATISFIES] };
    build.onResolve({ filter: /^(@aws-sdk\/credential-provider-node|semver)$/ }, (args) => ({ path: args.path, namespace: 'lambda-only' }));
    build.onLoad({ filter: /.*/, namespace: 'lambda-only' }, (args) => ({ contents: replaced[args.path][1], loader: 'js', resolveDir: root }));
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

module.exports = () => ({
  bundle: true,
  minify: true,
  // Error classes set `name` from the class: keep the names readable in logs and DLQ attributes.
  keepNames: true,
  // A .js.map beside each bundle; the functions run with NODE_OPTIONS=--enable-source-maps
  // (serverless.yml), so a CloudWatch stack trace names the TypeScript file and line instead of
  // `lifecycle-events.js:1:57228`. Without sourcesContent the map holds only the mappings (the
  // sources themselves are in git), which keeps the zip and the load at cold start small.
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  platform: 'node',
  format: 'cjs',
  // Prefer the ESM builds: the AWS SDK's CommonJS builds do not tree-shake (690 KB → 525 KB).
  mainFields: ['module', 'main'],
  plugins: [lambdaOnly],
  // Bundle the AWS SDK v3 too (serverless-esbuild excludes only v2's `aws-sdk` by default).
  exclude: [],
  packager: 'npm',
});
