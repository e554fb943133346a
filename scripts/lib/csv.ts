/**
 * A CSV reader (RFC 4180, https://www.rfc-editor.org/rfc/rfc4180): quoted fields, commas and line breaks inside
 * quotes, `""` for a quote, CRLF or LF line ends, a UTF-8 byte-order mark. Small enough to read in one sitting,
 * and strict: a quote in the middle of an unquoted field, or a quoted field that never ends, is an error naming
 * the line, never a silently different row.
 */

/** One record: its cells and the line it starts on (1-based), for error messages. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * Parses CSV text into records; blank lines are skipped.
 * @throws Error naming the file and line when a quote is misplaced or never closed
 */
export function parseCsv(text: string, file = 'csv'): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let start = 1;
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // the current field was quoted (only a separator or line end may follow its closing quote)
  let blank = true; // the record so far is an empty line
  const endCell = () => {
    cells.push(cell);
    blank &&= cell === '' && !wasQuoted;
    cell = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    if (cells.length > 1 || !blank) records.push({ cells, line: start });
    cells = [];
    blank = true;
  };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
          wasQuoted = true;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === ',') {
      endCell();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      start = ++line;
    } else if (wasQuoted) {
      throw new Error(`${file}:${line}: unexpected ${JSON.stringify(c)} after a closing quote (a quote inside a field is written "")`);
    } else if (c === '"') {
      if (cell !== '')
        throw new Error(`${file}:${line}: a quote inside an unquoted field (quote the whole field and write "" for the quote)`);
      quoted = true;
    } else {
      cell += c;
    }
  }
  if (quoted) throw new Error(`${file}:${start}: a quoted field that starts here never ends`);
  endRecord();
  return records;
}

/** CSV with a header line: one object per record, keyed by the header's (trimmed) names; `line` for messages. */
export function parseCsvObjects(text: string, file = 'csv'): { row: Record<string, string>; line: number }[] {
  const [head, ...rows] = parseCsv(text, file);
  if (!head) return [];
  const names = head.cells.map((h) => h.trim());
  return rows.map(({ cells, line }) => {
    if (cells.length !== names.length)
      throw new Error(`${file}:${line}: expected ${names.length} fields (${names.join(', ')}), got ${cells.length}`);
    return { row: Object.fromEntries(names.map((h, i) => [h, cells[i]!])), line };
  });
}
