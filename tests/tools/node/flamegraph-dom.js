// Loads a flame graph SVG into jsdom, runs its embedded script, performs the given actions and prints the
// resulting state as JSON. Actions: zoom:LABEL (click the first frame so labelled), unzoom (click Reset Zoom),
// search:REGEX (click Search, answer the prompt), ignorecase (click "ic"), escape (press Escape).
// Usage: node flamegraph-dom.js FILE.svg [ACTION...]
"use strict";
const fs = require("fs");
const { JSDOM } = require("jsdom");

const dom = new JSDOM(fs.readFileSync(process.argv[2], "utf8"), { contentType: "image/svg+xml", runScripts: "outside-only" });
const window = dom.window;
const document = window.document;
const script = document.getElementsByTagName("script")[0].textContent;
let answer = null;
window.prompt = () => answer;
window.alert = (message) => { throw new Error("alert: " + message); };
window.eval(script);
if (!/init\(evt\)/.test(document.documentElement.getAttribute("onload") || "")) {
    throw new Error("the svg element does not call init(evt) on load");
}
window.init({});

const frames = () => Array.from(document.getElementById("frames").children);
const label = (g) => { const t = g.getElementsByTagName("title")[0].textContent; return t.substring(0, t.lastIndexOf(" (")); };
const click = (element) => element.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));

for (const action of process.argv.slice(3)) {
    const colon = action.indexOf(":");
    const verb = colon < 0 ? action : action.substring(0, colon);
    const argument = colon < 0 ? "" : action.substring(colon + 1);
    switch (verb) {
        case "zoom": {
            const g = frames().find((f) => label(f) === argument);
            if (!g) {
                throw new Error("no frame labelled " + argument);
            }
            click(g.getElementsByTagName("rect")[0]);
            break;
        }
        case "unzoom":
            click(document.getElementById("unzoom"));
            break;
        case "search":
            answer = argument;
            click(document.getElementById("search"));
            break;
        case "ignorecase":
            click(document.getElementById("ignorecase"));
            break;
        case "escape":
            window.dispatchEvent(new window.KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
            break;
        default:
            throw new Error("unknown action " + action);
    }
}

// Hovering the first frame fills the details line.
const first = frames()[0];
if (first) {
    first.getElementsByTagName("rect")[0].dispatchEvent(new window.MouseEvent("mouseover", { bubbles: true }));
}
const hoverDetails = document.getElementById("details").textContent;

console.log(JSON.stringify({
    matched: document.getElementById("matched").textContent,
    search: document.getElementById("search").textContent,
    unzoomHidden: document.getElementById("unzoom").classList.contains("hide"),
    hoverDetails,
    frames: frames().map((g) => {
        const rect = g.getElementsByTagName("rect")[0];
        return {
            label: label(g),
            x: parseFloat(rect.getAttribute("x")),
            width: parseFloat(rect.getAttribute("width")),
            fill: rect.getAttribute("fill"),
            hidden: g.classList.contains("hide"),
            parent: g.classList.contains("parent"),
            text: g.getElementsByTagName("text")[0].textContent,
        };
    }),
}));
