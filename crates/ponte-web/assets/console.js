// The SPARQL console's editor: turns the query box into YASQE (CodeMirror with the SPARQL
// grammar, syntax checks and completion) while the form stays the way a query runs, so the
// page works the same without this script. Completion offers the store's own vocabulary (the
// page hands it over in #vocabulary-data), never an outside service: YASQE's stock class and
// property completers ask LOV on the internet, and its prefix list is prefix.cc's.
(function () {
  "use strict";
  var area = document.getElementById("query");
  var data = document.getElementById("vocabulary-data");
  if (!area || !data || !window.Yasqe) {
    return;
  }
  var Yasqe = window.Yasqe;
  var vocabulary = JSON.parse(data.getAttribute("data-vocabulary"));
  var form = area.form;

  // The stock completers decide where a class, a property or a prefix may go and how a
  // prefixed name expands; ours keep that and replace only the list offered.
  var stock = Yasqe.Autocompleters;
  var prefixLines = Object.keys(vocabulary.prefixes).sort().map(function (name) {
    return name + ": <" + vocabulary.prefixes[name] + ">";
  });
  Yasqe.registerAutocompleter(Object.assign({}, stock.prefixes, {
    name: "ponte-prefixes", persistenceId: null, get: prefixLines
  }), false);
  Yasqe.registerAutocompleter(Object.assign({}, stock["class"], {
    name: "ponte-classes", bulk: true, autoShow: true, get: vocabulary.classes
  }), false);
  Yasqe.registerAutocompleter(Object.assign({}, stock.property, {
    name: "ponte-properties", bulk: true, autoShow: true, get: vocabulary.properties
  }), false);

  function run() {
    area.value = editor.getValue();
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  var holder = document.createElement("div");
  holder.id = "query-editor";
  area.parentNode.insertBefore(holder, area);
  var label = document.querySelector("label[for=query]");
  var editor = new Yasqe(holder, {
    value: area.value,
    autocompleters: ["ponte-prefixes", "ponte-classes", "ponte-properties", "variables"],
    // Nothing kept in the browser's storage, no share link of YASQE's own (the page's URL is
    // the shareable link), no query button (the form's button runs the query).
    persistenceId: null,
    createShareableLink: null,
    consumeShareLink: null,
    showQueryButton: false,
    resizeable: true,
    editorHeight: "18rem",
    screenReaderLabel: label ? label.textContent : "SPARQL",
    // The text itself is editable (not a hidden textarea beside it): screen readers read it,
    // and the scrolling region holds what has the focus.
    inputStyle: "contenteditable",
    requestConfig: { endpoint: "/sparql" },
    extraKeys: Object.assign({}, Yasqe.defaults.extraKeys, {
      "Ctrl-Enter": run,
      "Cmd-Enter": run,
      // Tab moves on to the next field, as everywhere else on the page (no keyboard trap).
      Tab: false,
      "Shift-Tab": false
    })
  });
  area.hidden = true;
  // CodeMirror marks its editable text as presentation while pointing it at the list of
  // completions; to assistive technology it is a multi-line text box, and the list is named.
  var input = editor.getInputField();
  input.setAttribute("role", "textbox");
  input.setAttribute("aria-multiline", "true");
  editor.on("autocompletionShown", function (_editor, widget) {
    if (widget && widget.hints) {
      widget.hints.setAttribute("aria-label", data.getAttribute("data-completions-label"));
    }
  });
  editor.on("change", function () {
    area.value = editor.getValue();
  });
  form.addEventListener("submit", function () {
    area.value = editor.getValue();
  });
  if (label) {
    label.addEventListener("click", function () {
      editor.focus();
    });
  }
  var keys = document.getElementById("editor-keys");
  if (keys) {
    keys.hidden = false;
  }
  // For the browser tests: the editor, once ready.
  window.ponteEditor = editor;
})();
