/* Accessibility repairs for Dash 4.4 components that take no aria-* props (RadioItems, Slider,
   Dropdown). Each control's visible <label> has the id "<control id>-label" (dashboard/layout.py);
   this script names the real focusable element after it and removes the nesting axe flags.
   It only sets attributes and listens for keys: it changes no value and loads nothing. */
(function () {
  function labelId(el) {
    const control = el.closest("[id]");
    for (let node = el; node; node = node.parentElement) {
      if (node.id && document.getElementById(node.id + "-label")) return node.id + "-label";
    }
    return control && document.getElementById(control.id + "-label") ? control.id + "-label" : null;
  }

  function setIfDifferent(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function repairRadios(root) {
    root.querySelectorAll(".dash-radioitems").forEach((group) => {
      setIfDifferent(group, "role", "radiogroup");
      const label = labelId(group);
      if (label) setIfDifferent(group, "aria-labelledby", label);
      group.querySelectorAll(".dash-options-list-option").forEach((option) => {
        setIfDifferent(option, "role", "none");
        option.removeAttribute("aria-selected");
      });
    });
  }

  function repairSliders(root) {
    root.querySelectorAll("[role=slider]").forEach((thumb) => {
      const label = labelId(thumb);
      if (label) setIfDifferent(thumb, "aria-labelledby", label);
    });
  }

  function repairDropdowns(root) {
    root.querySelectorAll("button.dash-dropdown").forEach((button) => {
      const label = button.id && document.getElementById(button.id + "-label");
      if (label) {
        const others = (button.getAttribute("aria-labelledby") || "").split(/\s+/).filter((t) => t && t !== label.id);
        setIfDifferent(button, "aria-labelledby", [label.id, ...others].join(" "));
      }
      setIfDifferent(button, "tabindex", "0");
    });
    // Dash's hidden stand-in input (for Safari) must not take focus while hidden from screen readers.
    root.querySelectorAll(".dash-dropdown-focus-target").forEach((input) => setIfDifferent(input, "tabindex", "-1"));
    root.querySelectorAll(".dash-dropdown-content").forEach((content) => {
      const owner = document.querySelector("button.dash-dropdown[aria-expanded=true]");
      const label = owner && document.getElementById(owner.id + "-label");
      content.querySelectorAll("[role=listbox]").forEach((list) => label && setIfDifferent(list, "aria-labelledby", label.id));
      // Dash focuses the input inside each option label: make that input the option (an allowed
      // role for a checkbox or radio input), so no control is nested inside another.
      content.querySelectorAll(".dash-dropdown-option").forEach((option) => {
        const input = option.querySelector("input");
        if (!input) return;
        const selected = option.getAttribute("aria-selected") || (input.checked ? "true" : "false");
        setIfDifferent(option, "role", "none");
        option.removeAttribute("aria-selected");
        setIfDifferent(input, "role", "option");
        setIfDifferent(input, "aria-selected", selected);
      });

    });
  }

  function repair(root) {
    repairRadios(root);
    repairSliders(root);
    repairDropdowns(root);
  }

  // Keys a person expects on a dropdown: Space opens it; typing in an open list searches.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (event.key === " " && target.matches("button.dash-dropdown") && target.getAttribute("aria-expanded") !== "true") {
      event.preventDefault();
      target.click();
      return;
    }
    const content = target.closest(".dash-dropdown-content");
    if (content && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const search = content.querySelector("input.dash-dropdown-search");
      if (search && target !== search) search.focus(); // the character then goes into the search box
    }
  }, true);

  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; repair(document); });
  });
  function start() {
    repair(document);
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-expanded", "aria-labelledby", "aria-selected", "tabindex", "role"] });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
