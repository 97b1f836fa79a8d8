// Decodes a gzipped pprof profile with the pprof-format package and prints it as JSON: value types, period,
// duration, comments, mappings, and each sample as its stack (leaf first) of {function, file, line, address}.
// Usage: node decode-pprof.js FILE.pb.gz
"use strict";
const fs = require("fs");
const zlib = require("zlib");
const { Profile } = require("pprof-format");

const profile = Profile.decode(zlib.gunzipSync(fs.readFileSync(process.argv[2])));
const strings = profile.stringTable.strings;
const str = (i) => strings[Number(i)];
const num = (v) => Number(v);
const functions = new Map(profile.function.map((f) => [num(f.id), f]));
const locations = new Map(profile.location.map((l) => [num(l.id), l]));
const mappings = new Map(profile.mapping.map((m) => [num(m.id), m]));

const out = {
    firstString: strings[0],
    sampleTypes: profile.sampleType.map((t) => [str(t.type), str(t.unit)]),
    periodType: profile.periodType ? [str(profile.periodType.type), str(profile.periodType.unit)] : null,
    period: num(profile.period),
    durationNanos: num(profile.durationNanos),
    comments: profile.comment.map(str),
    mappings: profile.mapping.map((m) => ({
        id: num(m.id), start: num(m.memoryStart), limit: num(m.memoryLimit), filename: str(m.filename),
        hasFunctions: !!m.hasFunctions, hasFilenames: !!m.hasFilenames, hasLineNumbers: !!m.hasLineNumbers,
    })),
    functionCount: profile.function.length,
    locationCount: profile.location.length,
    samples: profile.sample.map((s) => ({
        values: s.value.map(num),
        stack: s.locationId.map((id) => {
            const location = locations.get(num(id));
            if (!location) {
                throw new Error(`sample refers to missing location ${id}`);
            }
            if (!mappings.has(num(location.mappingId))) {
                throw new Error(`location ${id} refers to missing mapping ${location.mappingId}`);
            }
            const line = location.line[0];
            const fn = functions.get(num(line.functionId));
            if (!fn) {
                throw new Error(`location ${id} refers to missing function ${line.functionId}`);
            }
            return {
                function: str(fn.name), systemName: str(fn.systemName), file: str(fn.filename), line: num(line.line),
                address: num(location.address), module: str(mappings.get(num(location.mappingId)).filename),
            };
        }),
    })),
};
console.log(JSON.stringify(out));
