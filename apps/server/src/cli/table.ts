/** Prints rows as aligned columns under a header, or says there are none. */
export function printTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  out: (line: string) => void,
): void {
  if (rows.length === 0) {
    out('(none)');
    return;
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  for (const row of [header, ...rows]) {
    out(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
  }
}
