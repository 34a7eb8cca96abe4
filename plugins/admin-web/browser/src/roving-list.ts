/** What a list does when a row is acted on from the keyboard. */
export interface RovingListKeys {
  /** Enter on a row. */
  enter(row: HTMLElement): void;
  /** Delete on a row (optional). */
  remove?(row: HTMLElement): void;
  /** Escape on a row, or ArrowUp on the first one (optional): where the focus goes instead. */
  leave?(): void;
}

/**
 * Keyboard movement through a list of focusable rows (`li[tabindex]`): one Tab stop per list
 * (roving tabindex: the last focused row is the stop), ArrowUp/ArrowDown/Home/End move between
 * rows, Enter and Delete act on the focused row, Escape leaves. Keys pressed inside a row's
 * buttons or editor are theirs, not the list's.
 */
export class RovingList {
  constructor(
    readonly list: HTMLElement,
    private readonly keys: RovingListKeys,
  ) {
    list.addEventListener("keydown", (e) => this.onKey(e));
    list.addEventListener("focusin", (e) => {
      const row = this.rows().find((r) => r === e.target);
      if (row) this.makeStop(row);
    });
  }

  rows(): HTMLElement[] {
    return [...this.list.children].filter((c): c is HTMLElement => c instanceof HTMLElement && c.hasAttribute("tabindex"));
  }

  /** Focuses row `index` (clamped); false without rows. */
  focus(index: number): boolean {
    const rows = this.rows();
    if (rows.length === 0) return false;
    const row = rows[Math.max(0, Math.min(index, rows.length - 1))]!;
    this.makeStop(row);
    row.focus();
    return true;
  }

  /** After rows were added or removed: exactly one of them is the Tab stop. */
  refresh(): void {
    const rows = this.rows();
    if (rows.length && !rows.some((r) => r.tabIndex === 0)) rows[0]!.tabIndex = 0;
  }

  private makeStop(row: HTMLElement): void {
    for (const r of this.rows()) r.tabIndex = r === row ? 0 : -1;
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.rows();
    const index = rows.indexOf(e.target as HTMLElement);
    if (index < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const row = rows[index]!;
    switch (e.key) {
      case "ArrowDown":
        this.focus(index + 1);
        break;
      case "ArrowUp":
        if (index === 0 && this.keys.leave) this.keys.leave();
        else this.focus(index - 1);
        break;
      case "Home":
        this.focus(0);
        break;
      case "End":
        this.focus(rows.length - 1);
        break;
      case "Enter":
        this.keys.enter(row);
        break;
      case "Delete":
        if (!this.keys.remove) return;
        this.keys.remove(row);
        break;
      case "Escape":
        if (!this.keys.leave) return;
        this.keys.leave();
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
