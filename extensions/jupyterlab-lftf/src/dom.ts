/** Tiny DOM helpers: every string goes in as textContent, never as HTML. */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function title(strong: string, rest: string): HTMLElement {
  return el('div', { class: 'lftf-title' }, el('strong', {}, strong), ` \u00b7 ${rest}`);
}

export function note(text: string): HTMLElement {
  return el('div', { class: 'lftf-note' }, text);
}
