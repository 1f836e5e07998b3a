// Reads {"name": "TypeScript source", ...} as JSON on stdin and prints {"name": ["syntax error", ...], ...}:
// the TypeScript compiler's own parser judges each snippet (syntax only: the snippets name resources
// and variables defined elsewhere in a program). Used by tests/test_typescript.py.
const ts = require(process.argv[2] || "typescript");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = {};
  for (const [name, source] of Object.entries(JSON.parse(input))) {
    const result = ts.transpileModule(source, { reportDiagnostics: true, fileName: `${name}.ts` });
    out[name] = (result.diagnostics || []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }
  process.stdout.write(JSON.stringify(out));
});
