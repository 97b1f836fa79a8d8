// Validates JSON lines against a definition of docs/dbg-json.schema.json (the lantern dbg --json protocol).
// Usage: node validate-dbg-json.js SCHEMA DEFINITION FILE   (one JSON value per line; exit 0: all valid;
// exit 1: for each invalid line its number, the line and ajv's errors on stderr)
"use strict";
const fs = require("fs");
const Ajv = require("ajv");

const [schemaPath, definition, file] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(schema);
const validate = ajv.getSchema(`${schema.$id}#/definitions/${definition}`);
if (!validate) {
    console.error(`no definition ${definition}`);
    process.exit(2);
}
let bad = 0, count = 0;
fs.readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    count++;
    if (!validate(JSON.parse(line))) {
        bad++;
        console.error(`line ${i + 1}: ${line}\n${JSON.stringify(validate.errors, null, 1)}`);
    }
});
if (bad > 0) process.exit(1);
console.log(`${count} ${definition} lines valid`);
