"use strict";
/**
 * ts-node's transpiler for this project (tsconfig.json, "ts-node"."transpiler"): esbuild, already a
 * dependency, instead of TypeScript's transpileModule. Every `npx hardhat ...` transpiles the config,
 * the tasks and lib/ before it does anything; TypeScript took most of a command's start-up doing it,
 * esbuild takes a few milliseconds. Types are checked by `npm run typecheck` (tsc), not here, exactly as
 * with ts-node's transpile-only mode: each file is transpiled alone, so the same rules apply (no const
 * enums across files, type-only re-exports marked `export type`).
 *
 * Each file's output is kept in cache/ts-transpiled/, named by the hash of esbuild's version, the options,
 * the file's name and its text, so that a command whose files have not changed since the last one starts
 * no esbuild at all; a change to any of them is a new name. The file is written whole and renamed into
 * place, so parallel commands never read half of one. `TS_TRANSPILE_CACHE=off` transpiles every file
 * afresh and keeps nothing; `npx hardhat clean` removes the cache with the rest of cache/.
 *
 * Plain JavaScript because ts-node loads it before it can load TypeScript.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Loaded on the first file the cache lacks: a start whose files are all in the cache never loads esbuild. */
let esbuild;
const CACHE = path.join(__dirname, "..", "cache", "ts-transpiled");

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
  // What every file's output depends on besides its name and text: esbuild's version and the options.
  const salt = JSON.stringify([require("esbuild/package.json").version, target, tsconfigRaw]);
  return {
    /** @param {string} input @param {{ fileName: string }} transpileOptions */
    transpile(input, { fileName }) {
      const cached = process.env.TS_TRANSPILE_CACHE !== "off";
      const key = crypto.createHash("sha256").update(JSON.stringify([salt, fileName, input])).digest("hex");
      const file = path.join(CACHE, `${key}.json`);
      if (cached) {
        try {
          const kept = JSON.parse(fs.readFileSync(file, "utf8"));
          if (typeof kept.outputText === "string") return kept;
        } catch {
          // Not transpiled before, or unreadable: transpile it now (and replace it).
        }
      }
      esbuild ??= require("esbuild");
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
      const output = { outputText: code, sourceMapText: map };
      if (!cached) return output;
      try {
        fs.mkdirSync(CACHE, { recursive: true });
        const temporary = `${file}.${process.pid}`;
        fs.writeFileSync(temporary, JSON.stringify(output));
        fs.renameSync(temporary, file);
      } catch {
        // A read-only checkout: transpile again next time.
      }
      return output;
    },
  };
}

module.exports = { create, CACHE };
