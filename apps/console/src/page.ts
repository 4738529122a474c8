/** What a page gets: where to draw, and the query of its hash route. */
export interface PageContext {
  readonly main: HTMLElement;
  readonly query: URLSearchParams;
  /** Whether the person moved on to another route since this page started drawing. */
  readonly stale: () => boolean;
}

/** Titles the tab and moves focus to the page's heading, so screen readers announce the page. */
export function pageShown(main: HTMLElement, title: string): void {
  document.title = `${title} · Tether`;
  const heading = main.querySelector<HTMLElement>('h1');
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}
