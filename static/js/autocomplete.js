/*
 * Search-as-you-type for the edit forms' boxes that catalog/autocomplete.py renders
 * (<input data-autocomplete="/catalog/autocomplete/<source>/">).
 *
 * Without this script such a box takes a typed id (or a user name); with it, the person
 * types words and picks a suggestion with the arrow keys and Enter (or the mouse), in an
 * ARIA combobox with a listbox. A box that posts a key ("pk") is kept as a hidden input
 * under the field's name and gets a search box beside it, so the form posts what it always
 * posted. No inline script or style: the page's Content-Security-Policy stays strict.
 */
(function () {
  "use strict";

  // The widget template includes this file once per box: set up only once.
  if (window.localLibraryAutocomplete) {
    return;
  }
  window.localLibraryAutocomplete = true;

  var DELAY_MS = 150;
  var CHOOSE_MESSAGE = "Choose one of the suggestions, or empty the box.";

  function labelFor(input) {
    return input.id ? document.querySelector('label[for="' + CSS.escape(input.id) + '"]') : null;
  }

  function enhance(box, number) {
    var postsKey = box.dataset.autocompletePosts === "pk";
    var wrapper = box.closest(".autocomplete") || box.parentNode;
    var baseId = box.id || "autocomplete-" + number;
    var label = labelFor(box);
    var search = box;

    if (postsKey) {
      var current = document.getElementById(box.id + "_current");
      search = document.createElement("input");
      search.type = "text";
      search.id = baseId + "_search";
      search.className = "autocomplete-search";
      search.value = current ? current.textContent : "";
      search.required = box.required;
      ["aria-describedby", "aria-invalid", "autofocus"].forEach(function (name) {
        if (box.hasAttribute(name)) {
          search.setAttribute(name, box.getAttribute(name));
        }
      });
      if (current) {
        current.hidden = true;
      }
      box.type = "hidden";
      wrapper.insertBefore(search, box);
      if (label) {
        label.htmlFor = search.id;
      }
    }
    search.setAttribute("autocomplete", "off");
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");

    var list = document.createElement("ul");
    list.id = baseId + "_listbox";
    list.className = "autocomplete-list";
    list.setAttribute("role", "listbox");
    list.setAttribute(
      "aria-label",
      (label ? label.textContent.replace(/:\s*$/, "") + " " : "") + "suggestions"
    );

    var status = document.createElement("span");
    status.className = "autocomplete-status";
    status.setAttribute("role", "status");
    wrapper.parentNode.insertBefore(status, wrapper.nextSibling);

    var results = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    // The list is in the page only while it is open: a closed one is nothing to announce.
    function isOpen() {
      return list.isConnected;
    }

    function close() {
      list.remove();
      active = -1;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      search.removeAttribute("aria-controls");
    }

    function open() {
      if (results.length) {
        wrapper.appendChild(list);
        search.setAttribute("aria-controls", list.id);
        search.setAttribute("aria-expanded", "true");
      }
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        search.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    // A key box whose text names no chosen row would post nothing: the browser says so.
    function checkChoice() {
      if (postsKey) {
        var unchosen = search.value.trim() !== "" && box.value === "";
        search.setCustomValidity(unchosen ? CHOOSE_MESSAGE : "");
      }
    }

    function choose(result) {
      if (postsKey) {
        box.value = result.id;
      }
      search.value = result.text;
      close();
      status.textContent = "";
      checkChoice();
    }

    function show(items, query) {
      results = items;
      list.replaceChildren();
      close();
      // Typed in full: nothing left to pick.
      if (items.length === 1 && items[0].text.toLowerCase() === query.toLowerCase()) {
        choose(items[0]);
        return;
      }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "_" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.text;
        if (item.hint) {
          var hint = document.createElement("span");
          hint.className = "autocomplete-hint";
          hint.textContent = " " + item.hint; // read as two words, not one
          option.appendChild(hint);
        }
        // Keep the focus in the box, so the click does not close the list first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        option.addEventListener("click", function () {
          choose(item);
        });
        list.appendChild(option);
      });
      if (items.length) {
        open();
        status.textContent =
          items.length + (items.length === 1 ? " suggestion" : " suggestions") +
          ": use the arrow keys and Enter to choose.";
      } else {
        status.textContent = "Nothing matches “" + query + "”.";
      }
    }

    function lookup() {
      var query = search.value.trim();
      var ticket = ++latest;
      if (!query) {
        show([], "");
        status.textContent = "";
        return;
      }
      fetch(box.dataset.autocomplete + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          // An answer to an older query, or the person has moved on: drop it.
          if (ticket !== latest || document.activeElement !== search) {
            return;
          }
          show(data.results || [], query);
          if (data.error) {
            status.textContent = data.error;
          }
        })
        .catch(function () {
          if (ticket === latest) {
            close();
            status.textContent = "No suggestions right now; try again in a moment.";
          }
        });
    }

    search.addEventListener("input", function () {
      if (postsKey) {
        box.value = ""; // the text no longer names the chosen row
      }
      checkChoice();
      clearTimeout(timer);
      timer = setTimeout(lookup, DELAY_MS);
    });

    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen()) {
          if (results.length) {
            open();
          } else {
            lookup();
          }
          return;
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        // From the box itself (nothing highlighted), Up goes to the last suggestion.
        var from = active < 0 && step < 0 ? 0 : active;
        highlight((from + step + results.length) % results.length);
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0) {
          event.preventDefault(); // choose, do not submit yet
          choose(results[active]);
        }
      } else if (event.key === "Escape") {
        if (isOpen()) {
          event.preventDefault();
          close();
        }
      }
    });

    search.addEventListener("blur", function () {
      close();
    });
  }

  function start() {
    var boxes = document.querySelectorAll("input[data-autocomplete]");
    for (var i = 0; i < boxes.length; i++) {
      enhance(boxes[i], i);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
