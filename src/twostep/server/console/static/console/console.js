// The admin console: "select all" checkboxes and fields shown only when they apply.
// Everything works without this file (all fields are then visible).
"use strict";
(function () {
  function controls(form, name) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
  }
  function matches(form, rule) {
    var parts = rule.split("=");
    var found = controls(form, parts[0]);
    if (parts.length === 1) {
      return found.some(function (el) { return el.checked; });
    }
    return found.some(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { return el.checked && el.value === parts[1]; }
      return el.value === parts[1];
    });
  }
  function refresh(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.hidden = !matches(form, el.getAttribute("data-show-when"));
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when]")) { return; }
    refresh(form);
    form.addEventListener("change", function () { refresh(form); });
  });
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var form = box.form;
    var name = box.getAttribute("data-select-all");
    box.addEventListener("change", function () {
      controls(form, name).forEach(function (el) { el.checked = box.checked; });
    });
  });
})();
