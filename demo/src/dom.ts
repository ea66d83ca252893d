// A tiny element builder. Everything the demo shows goes through textContent and attributes:
// no innerHTML anywhere, so no string from the AS, the API or the URL can become markup.

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (typeof value === 'function') {
        el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
      } else if (value === true) {
        el.setAttribute(name, '');
      } else {
        el.setAttribute(name, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child === undefined || child === null || child === false) continue;
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small stroke icon from a list of path definitions (24×24 viewBox). */
export function icon(paths: readonly string[], className = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  for (const d of paths) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

export const icons = {
  shield: ['M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6l7-3z', 'M9 12l2 2 4-4'],
  key: ['M15 7a4 4 0 1 1-3.9 4.9L4 19v-3h3v-2h2l1.1-1.1A4 4 0 0 1 15 7z', 'M16 10h.01'],
  globe: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M3 12h18', 'M12 3c2.5 2.7 3.5 5.7 3.5 9s-1 6.3-3.5 9c-2.5-2.7-3.5-5.7-3.5-9s1-6.3 3.5-9z'],
  lock: ['M6 11h12v10H6z', 'M8 11V8a4 4 0 0 1 8 0v3'],
  unlock: ['M6 11h12v10H6z', 'M8 11V8a4 4 0 0 1 7.7-1.5'],
  refresh: ['M20 11a8 8 0 0 0-14.9-3.9L4 9', 'M4 4v5h5', 'M4 13a8 8 0 0 0 14.9 3.9L20 15', 'M20 20v-5h-5'],
  logout: ['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h10'],
  login: ['M9 4H5v16h4', 'M14 8l4 4-4 4', 'M18 12H8'],
  tabs: ['M4 6h16v13H4z', 'M4 10h16', 'M8 6V3h12v3'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  alert: ['M12 3l10 18H2L12 3z', 'M12 10v5', 'M12 18h.01'],
  check: ['M5 12l5 5 9-10'],
  clock: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'],
} as const;
