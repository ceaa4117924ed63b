// A whole form in one reply: inputs with their hints and errors, submit and cancel. The server
// validates, with messages from its catalogue.
import { el, nextId } from "./page.js";
import { disableReply, makeButton } from "./controls.js";

const MULTI_SEPARATOR = ",";

export function renderForm(reply, act) {
  const form = el("form", "reply reply-form");
  // The server validates, with messages from its catalogue; the browser's own validation
  // bubbles would speak the browser's language instead.
  form.noValidate = true;
  if (reply.title) form.append(el("h3", "form-title", reply.title));
  const errors = Array.isArray(reply.errors) ? reply.errors : [];
  if (errors.length) {
    const list = el("ul", "form-errors");
    list.setAttribute("role", "alert");
    for (const error of errors) list.append(el("li", null, error));
    form.append(list);
  }
  const fieldErrors =
    reply.field_errors && typeof reply.field_errors === "object" ? reply.field_errors : {};
  const controls = [];
  for (const input of Array.isArray(reply.inputs) ? reply.inputs : []) {
    const key = String(input.key);
    const error = Object.prototype.hasOwnProperty.call(fieldErrors, key)
      ? fieldErrors[key]
      : null;
    const field = renderField(input, error);
    controls.push([key, field.control]);
    form.append(field.node);
  }
  form.append(renderFormActions(form, reply, controls, act));
  return form;
}

export function renderFormActions(form, reply, controls, act) {
  const row = el("div", "buttons");
  const submit = reply.submit || {};
  const cancel = reply.cancel;
  row.append(makeButton(submit, "submit"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(
      controls.map(([key, control]) => [key, valueOf(control)]),
    );
    disableReply(form);
    act({ action: submit.id, values }, submit.label);
  });
  if (cancel) {
    const button = makeButton(cancel, "button");
    button.addEventListener("click", () => {
      disableReply(form);
      act({ action: cancel.id }, cancel.label);
    });
    row.append(button);
  }
  return row;
}

/** A control's value; a set of checkboxes gives its ticked values joined. */
function valueOf(control) {
  if (control.classList.contains("checkboxes")) {
    return Array.from(control.querySelectorAll("input[type=checkbox]:checked"), (box) => box.value)
      .join(MULTI_SEPARATOR);
  }
  return control.value;
}

function renderField(spec, error) {
  const node = el("div", "field");
  const control = makeControl(spec);
  control.id = nextId("field");
  if (control.tagName !== "FIELDSET") control.name = String(spec.key ?? "");
  else control.dataset.name = String(spec.key ?? "");
  const label = el("label", "field-label", spec.label ?? "");
  label.htmlFor = control.id;
  if (spec.required) {
    // The mark is decoration; aria-required tells assistive technology the same thing.
    const mark = el("span", "required-mark", "*");
    mark.setAttribute("aria-hidden", "true");
    label.append(mark);
    control.setAttribute("aria-required", "true");
  }
  node.append(label, control);
  const described = [];
  if (spec.hint) {
    const hint = el("p", "field-hint", spec.hint);
    hint.id = nextId("hint");
    described.push(hint.id);
    node.append(hint);
  }
  if (typeof error === "string" && error) {
    // Next to its input, and announced: the person sees which answer to fix and why.
    const message = el("p", "field-error", error);
    message.id = nextId("error");
    described.push(message.id);
    node.classList.add("field-invalid");
    control.setAttribute("aria-invalid", "true");
    node.append(message);
  }
  if (described.length) control.setAttribute("aria-describedby", described.join(" "));
  return { node, control };
}

function makeControl(spec) {
  const value = String(spec.value ?? "");
  if (spec.kind === "choice") return makeSelect(spec, value);
  if (spec.kind === "multichoice") return makeCheckboxes(spec, value);
  const control = spec.kind === "longtext" ? el("textarea") : el("input");
  if (spec.kind === "longtext") control.rows = 4;
  else control.type = spec.kind === "date" ? "date" : "text";
  // The limit is the server's (the column that stores the answer); the server checks again.
  if (Number.isInteger(spec.max_length) && spec.max_length > 0) {
    control.maxLength = spec.max_length;
  }
  if (spec.placeholder) control.placeholder = String(spec.placeholder);
  control.value = value;
  return control;
}

function makeCheckboxes(spec, value) {
  const group = el("fieldset", "checkboxes");
  const ticked = new Set(value.split(MULTI_SEPARATOR).filter(Boolean));
  for (const option of Array.isArray(spec.options) ? spec.options : []) {
    const row = el("label", "checkbox");
    const box = el("input");
    box.type = "checkbox";
    box.name = String(spec.key ?? "");
    box.value = String(option.value ?? "");
    box.checked = ticked.has(box.value);
    row.append(box, el("span", null, option.label ?? ""));
    group.append(row);
  }
  return group;
}

function makeSelect(spec, value) {
  const select = el("select");
  // An empty first option lets an optional choice stay unanswered; for a required choice
  // with no prefill it avoids silently answering with whatever option happens to be first.
  if (!spec.required || !value) select.append(new Option("", ""));
  for (const option of Array.isArray(spec.options) ? spec.options : []) {
    select.append(new Option(String(option.label ?? ""), String(option.value ?? "")));
  }
  select.value = value;
  return select;
}

