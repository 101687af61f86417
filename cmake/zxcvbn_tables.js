// Converts zxcvbn@4.4.2's data modules (frequency lists, keyboard adjacency graphs) into a
// C++ source of constant tables. Usage: node zxcvbn_tables.js <package/lib dir> <out.cpp>
"use strict";
const fs = require("fs");
const path = require("path");
const [libDir, out] = process.argv.slice(2);
const lists = require(path.resolve(libDir, "frequency_lists.js"));
const graphs = require(path.resolve(libDir, "adjacency_graphs.js"));
const lit = (s) => JSON.stringify(s);  // a JSON string is a valid C++ narrow literal here

let cpp = "// Generated at build time from the npm package zxcvbn@4.4.2 (MIT) by cmake/zxcvbn_tables.js.\n";
cpp += "// Do not edit.\n#include \"zxcvbn/tables.hpp\"\n\nnamespace zxcvbn::tables {\n\n";
const listNames = Object.keys(lists);
for (const name of listNames) {
  for (const word of lists[name]) {
    if (word.includes(",")) throw new Error(`${name}: a word contains a comma`);
  }
  // Split in chunks: compilers limit the length of one literal token.
  const joined = lists[name].join(",");
  const chunks = [];
  for (let i = 0; i < joined.length; i += 8000) chunks.push(lit(joined.slice(i, i + 8000)));
  cpp += `static const char k_${name}[] =\n    ${chunks.join("\n    ")};\n`;
}
cpp += "\nconst FrequencyList kFrequencyLists[] = {\n";
for (const name of listNames) cpp += `    {${lit(name)}, {k_${name}, sizeof k_${name} - 1}},\n`;
cpp += "};\nconst std::size_t kFrequencyListCount = " + listNames.length + ";\n\n";

const graphNames = Object.keys(graphs);
for (const name of graphNames) {
  cpp += `static const GraphKey k_${name}[] = {\n`;
  for (const [key, neighbors] of Object.entries(graphs[name])) {
    if (neighbors.length > 9) throw new Error(`${name}: more than 9 neighbours`);
    cpp += `    {${lit(key)}, ${neighbors.length}, {${neighbors.map((n) => lit(n === null ? "" : n)).join(", ")}}},\n`;
  }
  cpp += "};\n";
}
cpp += "\nconst Graph kGraphs[] = {\n";
for (const name of graphNames)
  cpp += `    {${lit(name)}, k_${name}, sizeof k_${name} / sizeof k_${name}[0]},\n`;
cpp += "};\nconst std::size_t kGraphCount = " + graphNames.length + ";\n\n}  // namespace zxcvbn::tables\n";
fs.writeFileSync(out, cpp);
