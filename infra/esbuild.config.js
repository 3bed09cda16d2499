/* global module */
'use strict';
/**
 * esbuild options for the Lambda bundles, shared by serverless.yml (serverless-esbuild's
 * `custom.esbuild.config`) and `npm run bench` (bundle size, cold import): what is measured is
 * what is deployed. serverless-esbuild calls this with the serverless instance.
 */
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
  // Bundle the AWS SDK v3 too (serverless-esbuild excludes only v2's `aws-sdk` by default).
  exclude: [],
  packager: 'npm',
});
