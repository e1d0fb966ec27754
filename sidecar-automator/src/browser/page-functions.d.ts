// Types of page-functions.js (run in the page by Playwright; the element is a DOM element there).

export interface ScrapedTable {
  headers: string[];
  rows: string[][];
  truncated: boolean;
}

export declare function frameSelector(frame: unknown): string;
export declare function viewportSize(): { width: number; height: number };
export declare function screenPosition(element: unknown): { x: number; y: number };
export declare function readTable(
  element: unknown,
  limits: { maxRows: number; maxCellChars: number },
): ScrapedTable;
export declare function blurActiveElement(): void;
