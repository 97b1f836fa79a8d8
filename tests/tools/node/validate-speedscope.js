// Validates a speedscope JSON file against the schema shipped in the speedscope npm package.
// Usage: node validate-speedscope.js FILE   (exit 0: valid; exit 1: the errors on stderr)
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv = require("ajv");

const schemaPath = path.join(__dirname, "node_modules", "speedscope", "dist", "release", "file-format-schema.json");
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (!validate(data)) {
    console.error(JSON.stringify(validate.errors, null, 2));
    process.exit(1);
}
console.log(`valid against ${path.relative(__dirname, schemaPath)} (speedscope ${require("speedscope/package.json").version})`);
