namespace Lantern.Observability.Profiling.Formats;

/// <summary>The flame graph's embedded script and style (static text; the numbers it needs are in <c>fgConfig</c>).</summary>
internal static class FlameGraphScript
{
    /// <summary>
    /// Hover: the details line shows the frame's title. Click: zoom so the frame fills the width (its ancestors
    /// stay, dimmed; everything outside it hides); "Reset Zoom" undoes it. Search (button, Ctrl-F or F3): a regular
    /// expression; matching frames turn magenta and "Matched: N%" gives their share of all samples (nested matches
    /// counted once); "ic" toggles ignoring case; Escape or "Reset Search" clears it. Frames carry their extent in
    /// samples (fg:x, fg:w), the scale is recomputed from those, and labels are re-trimmed to the new widths.
    /// </summary>
    public const string Script = """
        "use strict";
        var frames, details, searchButton, matchedText, unzoomButton, ignoreCaseButton;
        var ignoreCase = false;
        var currentSearch = null;

        function init(evt) {
            frames = document.getElementById("frames");
            details = document.getElementById("details").firstChild;
            searchButton = document.getElementById("search");
            matchedText = document.getElementById("matched");
            unzoomButton = document.getElementById("unzoom");
            ignoreCaseButton = document.getElementById("ignorecase");
            frames.addEventListener("click", function (e) {
                var g = frameOf(e.target);
                if (g) {
                    zoom(g);
                }
            });
            frames.addEventListener("mouseover", function (e) {
                var g = frameOf(e.target);
                if (g) {
                    details.nodeValue = "Function: " + titleOf(g);
                }
            });
            frames.addEventListener("mouseout", function () {
                details.nodeValue = " ";
            });
            unzoomButton.addEventListener("click", unzoom);
            searchButton.addEventListener("click", searchPrompt);
            ignoreCaseButton.addEventListener("click", toggleIgnoreCase);
            window.addEventListener("keydown", function (e) {
                if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) {
                    e.preventDefault();
                    searchPrompt();
                } else if (e.key === "Escape") {
                    resetSearch();
                }
            });
        }

        function frameOf(element) {
            while (element && element !== frames) {
                if (element.classList && element.classList.contains("f")) {
                    return element;
                }
                element = element.parentNode;
            }
            return null;
        }

        function number(g, name) {
            return parseFloat(g.getAttribute(name));
        }

        function titleOf(g) {
            return g.getElementsByTagName("title")[0].textContent;
        }

        // The title is "label (N samples, P%)": the label is everything before the last " (".
        function labelOf(g) {
            var title = titleOf(g);
            var end = title.lastIndexOf(" (");
            return end < 0 ? title : title.substring(0, end);
        }

        function rowOf(g) {
            return parseFloat(g.getElementsByTagName("rect")[0].getAttribute("y"));
        }

        function place(g, x, width) {
            var rect = g.getElementsByTagName("rect")[0];
            var text = g.getElementsByTagName("text")[0];
            rect.setAttribute("x", x.toFixed(2));
            rect.setAttribute("width", Math.max(width, 0).toFixed(2));
            text.setAttribute("x", (x + 3).toFixed(2));
            var label = labelOf(g);
            var fit = Math.floor((width - 6) / (fgConfig.fontSize * fgConfig.fontWidth));
            if (fit < 3) {
                text.textContent = "";
            } else if (label.length > fit) {
                text.textContent = label.substring(0, fit - 2) + "..";
            } else {
                text.textContent = label;
            }
        }

        function zoom(node) {
            var x = number(node, "fg:x");
            var w = number(node, "fg:w");
            var row = rowOf(node);
            var inner = fgConfig.width - 2 * fgConfig.xpad;
            var scale = inner / w;
            unzoomButton.classList.remove("hide");
            var all = frames.children;
            for (var i = 0; i < all.length; i++) {
                var g = all[i];
                var gx = number(g, "fg:x");
                var gw = number(g, "fg:w");
                var gRow = rowOf(g);
                g.classList.remove("parent");
                g.classList.remove("hide");
                if (gRow > row && gx <= x && gx + gw >= x + w) {
                    g.classList.add("parent");
                    place(g, fgConfig.xpad, inner);
                } else if (gRow <= row && gx >= x && gx + gw <= x + w) {
                    place(g, fgConfig.xpad + (gx - x) * scale, gw * scale);
                } else {
                    g.classList.add("hide");
                }
            }
        }

        function unzoom() {
            unzoomButton.classList.add("hide");
            var scale = (fgConfig.width - 2 * fgConfig.xpad) / fgConfig.total;
            var all = frames.children;
            for (var i = 0; i < all.length; i++) {
                var g = all[i];
                g.classList.remove("parent");
                g.classList.remove("hide");
                place(g, fgConfig.xpad + number(g, "fg:x") * scale, number(g, "fg:w") * scale);
            }
        }

        function searchPrompt() {
            if (currentSearch !== null) {
                resetSearch();
                return;
            }
            var term = prompt("Search for (regular expression)" + (ignoreCase ? ", ignoring case" : "") + ":", "");
            if (term) {
                search(term);
            }
        }

        function toggleIgnoreCase() {
            ignoreCase = !ignoreCase;
            if (ignoreCase) {
                ignoreCaseButton.classList.add("show");
            } else {
                ignoreCaseButton.classList.remove("show");
            }
            if (currentSearch !== null) {
                search(currentSearch);
            }
        }

        function search(term) {
            var re;
            try {
                re = new RegExp(term, ignoreCase ? "i" : "");
            } catch (e) {
                alert("Not a regular expression: " + e.message);
                return;
            }
            resetSearch();
            currentSearch = term;
            var widest = {};
            var all = frames.children;
            for (var i = 0; i < all.length; i++) {
                var g = all[i];
                if (!re.test(labelOf(g))) {
                    continue;
                }
                var rect = g.getElementsByTagName("rect")[0];
                if (rect.fgFill === undefined) {
                    rect.fgFill = rect.getAttribute("fill");
                }
                rect.setAttribute("fill", "rgb(230,0,230)");
                var gx = number(g, "fg:x");
                var gw = number(g, "fg:w");
                if (!(gx in widest) || widest[gx] < gw) {
                    widest[gx] = gw;
                }
            }
            // A matching frame inside a matching frame starts inside its range: count each sample once.
            var starts = Object.keys(widest).map(Number).sort(function (a, b) { return a - b; });
            var end = -1;
            var matched = 0;
            for (var j = 0; j < starts.length; j++) {
                if (starts[j] >= end) {
                    matched += widest[starts[j]];
                    end = starts[j] + widest[starts[j]];
                }
            }
            var percent = fgConfig.total > 0 ? 100 * matched / fgConfig.total : 0;
            matchedText.textContent = "Matched: " + percent.toFixed(1) + "%";
            searchButton.textContent = "Reset Search";
            searchButton.classList.add("show");
        }

        function resetSearch() {
            currentSearch = null;
            matchedText.textContent = " ";
            searchButton.textContent = "Search";
            searchButton.classList.remove("show");
            var all = frames.children;
            for (var i = 0; i < all.length; i++) {
                var rect = all[i].getElementsByTagName("rect")[0];
                if (rect.fgFill !== undefined) {
                    rect.setAttribute("fill", rect.fgFill);
                    rect.fgFill = undefined;
                }
            }
        }
        """;

    /// <summary>The style sheet.</summary>
    public const string Style = """
        text { font-family: Verdana, "DejaVu Sans", sans-serif; font-size: 12px; fill: rgb(0, 0, 0); }
        #title { text-anchor: middle; font-size: 17px; }
        #subtitle { text-anchor: middle; fill: rgb(100, 100, 100); }
        #search, #ignorecase { cursor: pointer; opacity: 0.3; }
        #search:hover, #ignorecase:hover, #search.show, #ignorecase.show { opacity: 1; }
        #unzoom { cursor: pointer; }
        #frames > g { cursor: pointer; }
        #frames > g:hover > rect { stroke: rgb(0, 0, 0); stroke-width: 0.5; }
        .hide { display: none; }
        .parent { opacity: 0.5; }
        """;
}
