// Drafts of the mail forms: what an agent typed survives a reload, in this browser only.
// A form with data-draft-key saves its [data-draft] fields to localStorage while the agent
// types. A freshly opened form (data-draft-restore) takes a saved draft back. Sending marks
// the draft as sent; the next page load removes it, unless the form came back with errors.
"use strict";

(function () {
  const PREFIX = "ticketry-draft:";
  const SAVE_EVERY_MS = 5000;
  const INPUT_DELAY_MS = 700;
  const MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

  function openStorage() {
    try {
      const storage = window.localStorage;
      storage.getItem(PREFIX);
      return storage;
    } catch (error) {
      return null; // Storage off (private mode, policy): the form simply has no drafts.
    }
  }

  function read(storage, key) {
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function write(storage, key, draft) {
    try {
      storage.setItem(key, JSON.stringify(draft));
    } catch (error) {
      // Quota exceeded: keep working without a draft.
    }
  }

  function fieldsOf(form) {
    return Array.from(form.querySelectorAll("[data-draft]"));
  }

  function valuesOf(form) {
    const values = {};
    fieldsOf(form).forEach(function (field) {
      values[field.name] = field.value;
    });
    return values;
  }

  function fill(form, values) {
    fieldsOf(form).forEach(function (field) {
      if (Object.prototype.hasOwnProperty.call(values, field.name)) {
        field.value = values[field.name];
      }
    });
  }

  function sameValues(one, other) {
    return Object.keys(one).every(function (name) {
      return one[name] === other[name];
    });
  }

  // Drafts that were sent, or forgotten long ago, go away.
  function sweep(storage, keep) {
    const now = Date.now();
    for (let index = storage.length - 1; index >= 0; index -= 1) {
      const key = storage.key(index);
      if (!key || !key.startsWith(PREFIX) || key === keep) {
        continue;
      }
      const draft = read(storage, key);
      if (!draft || draft.sent || now - (draft.savedAt || 0) > MAX_AGE_MS) {
        storage.removeItem(key);
      }
    }
  }

  function bind(form, storage) {
    if (form.dataset.draftBound) {
      return;
    }
    form.dataset.draftBound = "true";
    const key = form.dataset.draftKey;
    const fresh = form.dataset.draftRestore === "true";
    // On a fresh form the server's text is the starting point; a form shown again after an
    // error already holds what the agent typed.
    let prefill = fresh ? valuesOf(form) : null;
    const notice = form.querySelector("[data-draft-notice]");
    const saved = read(storage, key);

    function save(sent) {
      const values = valuesOf(form);
      if (!sent && prefill && sameValues(values, prefill)) {
        storage.removeItem(key);
        return;
      }
      write(storage, key, { values: values, savedAt: Date.now(), sent: Boolean(sent) });
    }

    if (fresh && saved) {
      if (saved.sent) {
        storage.removeItem(key);
      } else if (saved.values && !sameValues(saved.values, prefill)) {
        fill(form, saved.values);
        if (notice) {
          notice.hidden = false;
        }
      }
    } else if (!fresh) {
      save(false);
    }

    if (notice) {
      const discard = notice.querySelector("[data-draft-discard]");
      if (discard) {
        discard.addEventListener("click", function () {
          if (prefill) {
            fill(form, prefill);
          }
          storage.removeItem(key);
          notice.hidden = true;
        });
      }
    }

    let pending = null;
    form.addEventListener("input", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        save(false);
      }, INPUT_DELAY_MS);
    });
    const timer = window.setInterval(function () {
      if (!document.contains(form)) {
        window.clearInterval(timer);
        return;
      }
      save(false);
    }, SAVE_EVERY_MS);
    form.addEventListener("submit", function (event) {
      const submitter = event.submitter;
      if (submitter && submitter.name === "apply_template") {
        return;
      }
      window.clearTimeout(pending);
      save(true);
    });
    // A template replaces the text the draft starts from.
    form.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "compose-body" && prefill) {
        prefill = valuesOf(form);
      }
    });
  }

  // With htmx the template select loads the text by itself; the button is the fallback.
  function hideFallbacks(root) {
    if (!window.htmx) {
      return;
    }
    root.querySelectorAll("[data-template-apply]").forEach(function (button) {
      button.hidden = true;
    });
  }

  function setUp(root) {
    if (!root.querySelectorAll) {
      return;
    }
    const storage = openStorage();
    const forms = Array.from(root.querySelectorAll("form[data-draft-key]"));
    if (root.matches && root.matches("form[data-draft-key]")) {
      forms.push(root);
    }
    if (storage) {
      forms.forEach(function (form) {
        bind(form, storage);
      });
    }
    hideFallbacks(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const storage = openStorage();
    const current = document.querySelector("form[data-draft-key]");
    if (storage) {
      sweep(storage, current ? current.dataset.draftKey : null);
    }
    setUp(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUp(event.target);
  });
})();
