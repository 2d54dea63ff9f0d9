"use strict";
/**
 * ts-node's transpiler for this project (tsconfig.json, "ts-node"."transpiler"): esbuild, already a
 * dependency, instead of TypeScript's transpileModule. Every `npx hardhat ...` transpiles the config,
 * the tasks and lib/ before it does anything; TypeScript took most of a command's start-up doing it,
 * esbuild takes a few milliseconds. Types are checked by `npm run typecheck` (tsc), not here, exactly as
 * with ts-node's transpile-only mode: each file is transpiled alone, so the same rules apply (no const
 * enums across files, type-only re-exports marked `export type`).
 *
 * Plain JavaScript because ts-node loads it before it can load TypeScript.
 */
const esbuild = require("esbuild");

/** @param {{ service: { config: { options: import("typescript").CompilerOptions } } }} createOptions */
function create(createOptions) {
  const options = createOptions.service.config.options;
  // TypeScript's ScriptTarget: 9 is ES2022, 99 is ESNext.
  const target = options.target === undefined || options.target >= 99 ? "esnext" : `es${2013 + options.target}`;
  const tsconfigRaw = {
    compilerOptions: {
      // TypeScript's default for a target of ES2022 or later, written out so esbuild emits the same class fields.
      useDefineForClassFields: options.useDefineForClassFields ?? (options.target === undefined || options.target >= 9),
      verbatimModuleSyntax: options.verbatimModuleSyntax ?? false,
      experimentalDecorators: options.experimentalDecorators ?? false,
    },
  };
  return {
    /** @param {string} input @param {{ fileName: string }} transpileOptions */
    transpile(input, { fileName }) {
      const { code, map } = esbuild.transformSync(input, {
        loader: fileName.endsWith(".tsx") ? "tsx" : "ts",
        format: "cjs",
        platform: "node",
        target,
        sourcefile: fileName,
        sourcemap: "external",
        tsconfigRaw,
        // `await import("./x")` becomes a require of x, as TypeScript emits it for CommonJS (Node's own
        // import() would look for ./x without the .ts extension ts-node resolves).
        supported: { "dynamic-import": false },
      });
      return { outputText: code, sourceMapText: map };
    },
  };
}

module.exports = { create };
