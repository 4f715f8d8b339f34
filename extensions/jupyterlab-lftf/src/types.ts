/** What a kind renderer hands back: its plot elements (to resize/purge) and when they drew. */
export interface Rendered {
  plots: HTMLElement[];
  ready: Promise<void>;
}
