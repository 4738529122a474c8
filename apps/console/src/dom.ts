/** What an element is made of: text, other elements, or nothing (skipped). */
export type Child = Node | string | null | undefined | false;

type Props = Record<string, string | boolean | EventListener | undefined>;

/**
 * Makes an element: `h('a', { href: '#/' }, 'Home')`. Props starting with `on` are listeners;
 * `true` sets a boolean attribute, `false` and `undefined` leave it out; text is never parsed
 * as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  element.append(...children.filter((child): child is Node | string => !!child));
  return element;
}

/** Replaces what `parent` holds with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((child): child is Node | string => !!child));
}

/** A live region that reads `text` out: an outcome (`status`) or a failure (`alert`). */
export function notice(text: string, role: 'status' | 'alert' = 'status'): HTMLElement {
  return h('p', { role, class: role === 'alert' ? 'card problem' : 'card' }, text);
}

/** A table's head: one row of column headings. */
export function tableHead(...headings: Child[]): HTMLTableSectionElement {
  return h(
    'thead',
    {},
    h('tr', {}, ...headings.map((heading) => h('th', { scope: 'col' }, heading))),
  );
}
