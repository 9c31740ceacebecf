// Type-ahead for the search box: as the reader types, the names of the best matches of
// /api/search become the box's suggestions (a native <datalist>, so the browser handles the
// keyboard and screen readers). The page works the same without this script.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (!input || !list || !window.fetch) {
    return;
  }
  var lang = document.documentElement.lang || "en";
  var timer = null;
  var asked = "";

  function nameOf(item) {
    var names = item.label || item.prefLabel || {};
    if (typeof names === "string") {
      return names;
    }
    var name = names[lang] || names.en || names.it || names["@none"];
    if (name === undefined) {
      var values = Object.keys(names).map(function (k) { return names[k]; });
      name = values[0];
    }
    return Array.isArray(name) ? name[0] : name || item["@id"];
  }

  function suggest() {
    var q = input.value.trim();
    if (q.length < 2 || q === asked) {
      return;
    }
    asked = q;
    fetch("/api/search?limit=8&q=" + encodeURIComponent(q), {
      headers: { Accept: "application/ld+json" }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) {
        if (!page || input.value.trim() !== q) {
          return;
        }
        while (list.firstChild) {
          list.removeChild(list.firstChild);
        }
        page.items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = nameOf(item);
          list.appendChild(option);
        });
      })
      .catch(function () { /* no suggestions: the search button still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
})();
